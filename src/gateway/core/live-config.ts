import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import {
  ConfigError,
  configFromDocument,
  listedKeyFingerprints,
  maskSecrets,
  processLocalSecrets,
  profilesMissingKeys,
  readConfigDocument,
  renderConfigDocument,
  unknownSecrets,
  type ConfigDocument,
  type GatewayConfig,
  type SecretWarning,
} from '@switchboard/config';
import { CONFIG_STREAM, configDecider, runCommand, type ConfigCommand, type ConfigEvent } from '@switchboard/domain';
import type { EventStore, RecordedEvent } from '@switchboard/event-store';
import { EVENT_STORE, GATEWAY_CONFIG } from '../tokens';
import { GATEWAY_ENV } from './core.tokens';
import { ProjectionFeed, type FollowingProjection } from './projection-feed';

const decider = configDecider(renderConfigDocument);

export interface AppliedConfig {
  revision: number;
  diff: string[];
  /** The literal secrets of the document that reach this process only (see `processLocalSecrets`). */
  warnings: SecretWarning[];
}

/**
 * The configuration every process follows: the store's latest `ConfigApplied` (stream
 * `config-gateway`), seeded from this process's file when no earlier seed had its content (see the
 * config decider: processes started with different files converge instead of undoing each other).
 * Each revision is validated and applied in place (route table, client keys, limits, admin keys)
 * by the listeners, without a restart; an in-flight request keeps the alias it resolved.
 */
@Injectable()
export class LiveConfig implements FollowingProjection, OnApplicationBootstrap {
  private readonly logger = new Logger('Config');
  private readonly listeners: Array<(config: GatewayConfig) => void> = [];
  /** Literal secrets known here, by fingerprint: this process's file's, then those sent to it (PUT): the only ones a masked document can use here. */
  private readonly secrets = new Map<string, string>();
  /** The fingerprints of the secrets this process's own file holds: known again after a restart. */
  private readonly fileSecrets: ReadonlySet<string>;
  /** Masked secrets already reported as unknown here, so each is said once. */
  private readonly reportedUnknown = new Set<string>();
  /** Set once the store's latest config is in (seeded and caught up): revisions replayed before are not reported one by one. */
  private reporting = false;
  private readonly fromFile: ConfigDocument | undefined;
  current: GatewayConfig;
  /** The store's latest revision this process has seen. */
  revision = 0;
  /** The revision `current` is (0: the file's, as read, before any stored one). Behind `revision` when the latest cannot be applied here. */
  appliedRevision = 0;
  document: ConfigDocument;
  /** Per profile, the literal keys `current` lists by fingerprint, secrets known here or not (see KeySync). */
  listedKeys: Map<string, string[]>;
  /** Profiles of `current` with a `${VAR}` key unset here: this process does not see all their keys. */
  partiallyKnown: Set<string>;
  private resolveSeeded!: () => void;
  /** Settles once this process's file has seeded the store (or could not): the feed then holds the store's latest config. */
  readonly seeded = new Promise<void>((resolve) => (this.resolveSeeded = resolve));

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    @Inject(GATEWAY_ENV) private readonly env: NodeJS.ProcessEnv,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    feed: ProjectionFeed,
  ) {
    this.current = config;
    try {
      this.fromFile = maskSecrets(readConfigDocument(config.source), this.secrets);
    } catch {
      // A config handed over as an object (tests, embedding) has no file to seed from.
      this.fromFile = undefined;
    }
    this.fileSecrets = new Set(this.secrets.keys());
    this.document = this.fromFile ?? {};
    this.listedKeys = listedKeyFingerprints(this.document);
    this.partiallyKnown = profilesMissingKeys(this.document, env);
    feed.follow(this);
    void Promise.all([feed.ready, this.seeded]).then(() => {
      this.reporting = true;
      this.reportUnknownSecrets();
    });
  }

  /** Called with every newly applied config (after the one the process started with). */
  onChange(listener: (config: GatewayConfig) => void): void {
    this.listeners.push(listener);
  }

  async onApplicationBootstrap(): Promise<void> {
    try {
      if (this.fromFile) await this.change(this.fromFile, 'file', 'file');
    } catch (error) {
      this.logger.error(`could not seed the config from ${this.current.source}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.resolveSeeded();
    }
  }

  /** Throws `ConfigError` (every problem by path) without applying anything. */
  validate(document: ConfigDocument): GatewayConfig {
    return configFromDocument(document, { env: this.env, source: 'admin', secrets: this.secrets });
  }

  /**
   * The literal secrets of a document sent to this process that no other process can use, and
   * this one would forget on restart (see `processLocalSecrets`). Learns nothing: `change` does.
   */
  localSecrets(document: ConfigDocument): SecretWarning[] {
    const known = new Map(this.secrets);
    maskSecrets(document, known);
    return processLocalSecrets(document, { fromFile: this.fileSecrets, known });
  }

  /** Validates, appends `ConfigApplied` (nothing when it changes nothing) and applies it here at once. */
  async change(document: ConfigDocument, source: 'file' | 'admin', by: string, expectedRevision?: number): Promise<AppliedConfig> {
    const masked = maskSecrets(document, this.secrets);
    this.validate(masked);
    const warnings = this.localSecrets(document);
    const command: ConfigCommand = {
      type: 'ApplyConfig',
      data: { document: masked, text: renderConfigDocument(masked), source, by, expectedRevision, now: new Date().toISOString() },
    };
    const { history, recorded } = await runCommand(this.store, CONFIG_STREAM, decider, command, {
      maxAttempts: expectedRevision === undefined ? 10 : 1,
    });
    for (const event of history) this.apply(event);
    for (const event of recorded) this.apply(event);
    const applied = recorded.at(-1) as unknown as ConfigEvent | undefined;
    return { revision: this.revision, diff: applied?.data.diff ?? [], warnings };
  }

  history(): Promise<RecordedEvent[]> {
    return this.store.readStream(CONFIG_STREAM);
  }

  apply(recorded: RecordedEvent): void {
    if (recorded.stream !== CONFIG_STREAM || recorded.type !== 'ConfigApplied') return;
    const { revision, document, by } = (recorded as unknown as ConfigEvent).data;
    if (revision <= this.revision) return;
    this.revision = revision;
    this.document = document;
    let config: GatewayConfig;
    try {
      config = configFromDocument(document, { env: this.env, source: `${CONFIG_STREAM}@${revision}`, secrets: this.secrets });
    } catch (error) {
      const problems = error instanceof ConfigError ? error.problems.join('; ') : String(error);
      this.logger.error(`config revision ${revision} (by ${by}) cannot be applied here, keeping the previous one: ${problems}`);
      return;
    }
    this.current = config;
    this.appliedRevision = revision;
    this.listedKeys = listedKeyFingerprints(document);
    this.partiallyKnown = profilesMissingKeys(document, this.env);
    for (const listener of this.listeners) {
      try {
        listener(config);
      } catch (error) {
        this.logger.error(`applying config revision ${revision}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (this.reporting) this.reportUnknownSecrets();
    this.logger.log(`config revision ${revision} applied (by ${by})`);
  }

  /**
   * Says once per secret which masked secrets of the applied config this process cannot use (by
   * path and fingerprint, never a value): a literal secret sent to another process, or in another
   * process's file, reaches this one as its mask only, and its entry is dropped here.
   */
  private reportUnknownSecrets(): void {
    if (this.appliedRevision !== this.revision) return;
    for (const unknown of unknownSecrets(this.document, this.secrets)) {
      if (this.reportedUnknown.has(unknown.fingerprint)) continue;
      this.reportedUnknown.add(unknown.fingerprint);
      this.logger.warn(`config revision ${this.appliedRevision}: ${unknown.message}`);
    }
  }
}
