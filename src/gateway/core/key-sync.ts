import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { KeyVault, planKeySync, readProfileKeys, watchKeyFiles, type GatewayConfig, type KeysWatcher } from '@switchboard/config';
import { KeyPoolProjection } from '@switchboard/domain';
import { MOCK_KEY } from '@switchboard/providers';
import { GATEWAY_CONFIG } from '../tokens';
import { DomainWriter } from './domain-writer';
import { ProjectionFeed } from './projection-feed';

/**
 * Makes the event store agree with the configuration: every profile is registered, and each
 * profile's keys (config `keys:` plus its keys file) are registered / removed to match, at start
 * and whenever a keys file changes. Keys of a profile no longer configured are removed. Secrets go
 * to the vault only; logs name fingerprints.
 */
@Injectable()
export class KeySync implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(KeySync.name);
  private watcher?: KeysWatcher;
  /** Syncs run one after the other, so a burst of file edits cannot interleave. */
  private queue: Promise<void> = Promise.resolve();
  /** Profiles already warned about having no key, so each edit does not warn again. */
  private readonly keyless = new Set<string>();

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly vault: KeyVault,
    private readonly keys: KeyPoolProjection,
    private readonly writer: DomainWriter,
    private readonly feed: ProjectionFeed,
  ) {}

  /**
   * Settles once the projections have caught up and the start-up sync is done (rejects when that
   * sync fails: the start must stop). Not awaited by Nest's start, so the HTTP server listens, and
   * readiness answers, while the store is being read; `createGateway` awaits it after listening.
   */
  started: Promise<void> = Promise.resolve();

  onApplicationBootstrap(): void {
    this.started = this.start();
    this.started.catch(() => undefined); // the caller of `started` reports it
  }

  private async start(): Promise<void> {
    await this.feed.ready;
    for (const profile of Object.values(this.config.providers)) {
      await this.writer.provider({
        type: 'RegisterProvider',
        data: { name: profile.name, providerType: profile.type, now: this.writer.now() },
      });
    }
    // Watching starts before the files are read, so an edit made while the start-up sync runs is
    // seen: its sync queues behind this one. (Callbacks come from timers, so none can queue before
    // the start-up sync, which gives the vault every profile's keys.) A failed sync is logged by
    // the queue; the next edit tries again.
    const onChange = (profile: string, secrets: string[]) => void this.enqueue(() => this.setKeys(profile, secrets)).catch(() => undefined);
    this.watcher = watchKeyFiles(this.config, onChange, {
      onError: (profile, file, code) =>
        this.logger.error(`keys file ${file} of ${profile} could not be read (${code}): its keys stay as they were`),
    });
    await this.watcher.ready;
    await this.enqueue(() => {
      for (const profile of Object.values(this.config.providers)) this.setKeys(profile.name, readProfileKeys(profile));
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.watcher?.close();
    await this.queue;
  }

  /**
   * Runs `update` (vault changes), then brings the store in line, after every sync queued before.
   * Resolves or rejects with this sync (the start-up one must stop the start); the queue logs a
   * failure and carries on.
   */
  private enqueue(update: () => void): Promise<void> {
    const run = this.queue.then(async () => {
      update();
      await this.apply();
    });
    this.queue = run.catch((err: unknown) => this.logger.error(`keys sync failed: ${(err as Error).message}`));
    return run;
  }

  /** Hands a profile's keys to the vault; a key another profile holds stays there, with a warning. */
  private setKeys(profile: string, secrets: string[]): void {
    // A mock profile answers in-process and needs no key: it gets the implicit one.
    const effective = this.config.providers[profile]?.type === 'mock' && secrets.length === 0 ? [MOCK_KEY] : secrets;
    for (const { fingerprint, holder } of this.vault.replace(profile, effective)) {
      this.logger.warn(`keys of ${profile}: ${fingerprint} is already a key of ${holder} and stays there (a key belongs to one profile)`);
    }
  }

  /**
   * Every removal first, then every registration: a key that moved from one profile to another
   * must leave the first (KeyRemoved) before it can be registered for the second.
   */
  private async apply(): Promise<void> {
    const now = this.writer.now();
    const plans = Object.keys(this.config.providers).map((profile) => {
      const desired = this.vault.fingerprints(profile);
      return { profile, desired, ...planKeySync(desired, this.keys.fingerprints(profile)) };
    });
    // A profile taken out of the config would otherwise keep its keys listed as available forever.
    const orphans = this.keys.list().filter((k) => k.state !== 'removed' && !(k.provider in this.config.providers));
    for (const { fingerprint } of orphans) await this.writer.apiKey({ type: 'RemoveKey', data: { fingerprint, now } });
    if (orphans.length > 0) this.logger.log(`keys of profiles no longer configured: -[${orphans.map((k) => k.fingerprint).join(', ')}]`);
    for (const { remove } of plans) {
      for (const fingerprint of remove) await this.writer.apiKey({ type: 'RemoveKey', data: { fingerprint, now } });
    }
    for (const { profile, desired, register, remove } of plans) {
      for (const fingerprint of register) {
        await this.writer.apiKey({ type: 'RegisterKey', data: { fingerprint, provider: profile, now } });
      }
      if (register.length + remove.length > 0) {
        this.logger.log(`keys of ${profile}: +[${register.join(', ')}] -[${remove.join(', ')}] (${desired.length} configured)`);
      }
      if (desired.length > 0) this.keyless.delete(profile);
      else if (!this.keyless.has(profile)) {
        this.keyless.add(profile);
        this.logger.warn(`provider ${profile} has no keys: routing skips it`);
      }
    }
  }
}
