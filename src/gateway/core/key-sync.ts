import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { KeyVault, planKeySync, readProfileKeys, watchKeyFiles, type GatewayConfig, type KeysWatcher } from '@switchboard/config';
import { KeyPoolProjection, ProviderHealthProjection } from '@switchboard/domain';
import { MOCK_KEY } from '@switchboard/providers';
import { DomainWriter } from './domain-writer';
import { LiveConfig } from './live-config';
import { ProjectionFeed } from './projection-feed';

/**
 * Makes the event store agree with the applied configuration (the store's latest ConfigApplied,
 * not this process's file, so two processes started with different files cannot undo each other):
 * every profile is registered and a profile no longer configured is removed (ProviderRemoved, its
 * keys KeyRemoved); each profile's keys (config `keys:` plus its keys file) are registered /
 * removed to match, at start, whenever a keys file changes and whenever a new config is applied.
 * A literal key is known by the fingerprint the stored config shows, so a process whose own file
 * lacks the secret still keeps it registered for the processes that hold it; it never routes to
 * it (the vault has no secret for it) and LiveConfig says so once, by path. Secrets go to the vault
 * only; logs name fingerprints.
 */
@Injectable()
export class KeySync implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(KeySync.name);
  private watcher?: KeysWatcher;
  /** Syncs run one after the other, so a burst of file edits or config revisions cannot interleave. */
  private queue: Promise<void> = Promise.resolve();
  /** Profiles already warned about having no key, so each edit does not warn again. */
  private readonly keyless = new Set<string>();
  /** Set once the start-up sync is queued: config revisions replayed by the catch-up before it are not synced one by one. */
  private following = false;
  private closed = false;

  constructor(
    private readonly live: LiveConfig,
    private readonly vault: KeyVault,
    private readonly keys: KeyPoolProjection,
    private readonly providers: ProviderHealthProjection,
    private readonly writer: DomainWriter,
    private readonly feed: ProjectionFeed,
  ) {
    live.onChange(() => {
      if (this.following && !this.closed) void this.follow().catch(() => undefined);
    });
  }

  /**
   * Settles once the projections have caught up and the start-up sync is done (rejects when that
   * sync fails: the start must stop). Not awaited by Nest's start, so the HTTP server listens, and
   * readiness answers, while the store is being read; `createGateway` awaits it after listening.
   */
  started: Promise<void> = Promise.resolve();

  /**
   * True once the start-up sync is done: before it, the pool may lack the configured keys, and a
   * request would get a 503 for want of one (readiness waits for this).
   */
  synced = false;

  private get config(): GatewayConfig {
    return this.live.current;
  }

  onApplicationBootstrap(): void {
    this.started = this.start();
    this.started.catch(() => undefined); // the caller of `started` reports it
  }

  private async start(): Promise<void> {
    await this.feed.ready;
    // After the seed the live config is the store's latest: the one every process syncs to.
    await this.live.seeded;
    this.following = true;
    await this.follow();
    this.synced = true;
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    await this.watcher?.close();
    await this.queue;
  }

  /**
   * Brings the store in line with the applied config: profiles registered and removed, the keys
   * files watched anew (their set may have changed), every profile's keys read again and synced.
   * Watching starts before the files are read, so an edit made meanwhile is seen: its sync queues
   * behind this one. A failed sync is logged by the queue; the next edit or revision tries again.
   */
  private follow(): Promise<void> {
    if (this.live.appliedRevision !== this.live.revision) {
      // Syncing an older config from here would undo what the processes that can apply it synced.
      this.logger.error(
        `config revision ${this.live.revision} cannot be applied in this process: its keys and profiles are left to the processes that can`,
      );
      return Promise.resolve();
    }
    return this.enqueue(async () => {
      const config = this.config;
      const now = this.writer.now();
      for (const profile of Object.values(config.providers)) {
        await this.writer.provider({ type: 'RegisterProvider', data: { name: profile.name, providerType: profile.type, now } });
      }
      await this.watcher?.close();
      if (this.closed) return;
      const onChange = (profile: string, secrets: string[]) =>
        void this.enqueue(() => this.setKeys(profile, secrets)).catch(() => undefined);
      this.watcher = watchKeyFiles(config, onChange, {
        onError: (profile, file, code) =>
          this.logger.error(`keys file ${file} of ${profile} could not be read (${code}): its keys stay as they were`),
      });
      await this.watcher.ready;
      // Closed meanwhile (the gateway stopping): the watcher is gone, and so is the store soon.
      if (this.closed) return;
      for (const profile of Object.values(config.providers)) this.setKeys(profile.name, readProfileKeys(profile));
      for (const { name } of this.providers.list()) if (!(name in config.providers)) this.setKeys(name, []);
    });
  }

  /**
   * Runs `update` (vault changes), then brings the store in line, after every sync queued before.
   * Resolves or rejects with this sync (the start-up one must stop the start); the queue logs a
   * failure and carries on.
   */
  private enqueue(update: () => void | Promise<void>): Promise<void> {
    const run = this.queue.then(async () => {
      await update();
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
   * The keys a profile should have in the store: those this process holds, and the config's literal
   * ones it lacks the secret of (LiveConfig has said which, by path), left to the processes that hold them.
   */
  private desired(profile: string): string[] {
    const held = this.vault.fingerprints(profile);
    const unknown = (this.live.listedKeys.get(profile) ?? []).filter((fp) => this.vault.secret(fp) === undefined);
    return [...new Set([...held, ...unknown])];
  }

  /**
   * Every removal first, then every registration: a key that moved from one profile to another
   * must leave the first (KeyRemoved) before it can be registered for the second. A profile
   * taken out of the config leaves /admin/providers and its keys leave the pool (their history stays).
   */
  private async apply(): Promise<void> {
    // A keys-file edit while the latest revision cannot be applied here: nothing to sync from here.
    if (this.live.appliedRevision !== this.live.revision) return;
    const config = this.config;
    const now = this.writer.now();
    const plans = Object.keys(config.providers).map((profile) => {
      const desired = this.desired(profile);
      const plan = planKeySync(desired, this.keys.fingerprints(profile));
      // A `${VAR}` key unset here may be one another process registered: this one only adds.
      if (this.live.partiallyKnown.has(profile) && plan.remove.length > 0) {
        this.logger.warn(`keys of ${profile}: a \${VAR} key is unset in this process, so it removes none of [${plan.remove.join(', ')}]`);
        plan.remove = [];
      }
      return { profile, desired, ...plan };
    });
    const orphans = this.keys.list().filter((k) => k.state !== 'removed' && !(k.provider in config.providers));
    for (const { fingerprint } of orphans) await this.writer.apiKey({ type: 'RemoveKey', data: { fingerprint, now } });
    if (orphans.length > 0) this.logger.log(`keys of profiles no longer configured: -[${orphans.map((k) => k.fingerprint).join(', ')}]`);
    for (const { name } of this.providers.list()) {
      if (name in config.providers) continue;
      await this.writer.provider({ type: 'RemoveProvider', data: { name, now } });
      this.logger.log(`provider ${name} is no longer configured: removed`);
    }
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
