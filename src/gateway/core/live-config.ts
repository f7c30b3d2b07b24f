import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import {
  ConfigError,
  configFromDocument,
  listedKeyFingerprints,
  maskSecrets,
  profilesMissingKeys,
  readConfigDocument,
  renderConfigDocument,
  type ConfigDocument,
  type GatewayConfig,
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
  /** Literal secrets of this process's file, by fingerprint: the only ones a masked document can use here. */
  private readonly secrets = new Map<string, string>();
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
    this.document = this.fromFile ?? {};
    this.listedKeys = listedKeyFingerprints(this.document);
    this.partiallyKnown = profilesMissingKeys(this.document, env);
    feed.follow(this);
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

  /** Validates, appends `ConfigApplied` (nothing when it changes nothing) and applies it here at once. */
  async change(document: ConfigDocument, source: 'file' | 'admin', by: string, expectedRevision?: number): Promise<AppliedConfig> {
    const masked = maskSecrets(document, this.secrets);
    this.validate(masked);
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
    return { revision: this.revision, diff: applied?.data.diff ?? [] };
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
    this.logger.log(`config revision ${revision} applied (by ${by})`);
  }
}
