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
 * and whenever a keys file changes. Secrets go to the vault only; logs name fingerprints.
 */
@Injectable()
export class KeySync implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(KeySync.name);
  private watcher?: KeysWatcher;
  /** Syncs of one profile run one after the other, so a burst of file edits cannot interleave. */
  private readonly queues = new Map<string, Promise<void>>();

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly vault: KeyVault,
    private readonly keys: KeyPoolProjection,
    private readonly writer: DomainWriter,
    private readonly feed: ProjectionFeed,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.feed.ready;
    for (const profile of Object.values(this.config.providers)) {
      await this.writer.provider({
        type: 'RegisterProvider',
        data: { name: profile.name, providerType: profile.type, now: new Date().toISOString() },
      });
      await this.sync(profile.name, readProfileKeys(profile));
    }
    this.watcher = watchKeyFiles(this.config, (profile, secrets) => void this.enqueue(profile, secrets));
    await this.watcher.ready;
  }

  async onModuleDestroy(): Promise<void> {
    await this.watcher?.close();
    await Promise.allSettled(this.queues.values());
  }

  private enqueue(profile: string, secrets: string[]): Promise<void> {
    const next = (this.queues.get(profile) ?? Promise.resolve())
      .then(() => this.sync(profile, secrets))
      .catch((err: unknown) => this.logger.error(`keys sync of ${profile} failed: ${(err as Error).message}`));
    this.queues.set(profile, next);
    return next;
  }

  private async sync(profile: string, secrets: string[]): Promise<void> {
    const type = this.config.providers[profile]?.type;
    // A mock profile answers in-process and needs no key: it gets the implicit one.
    const effective = type === 'mock' && secrets.length === 0 ? [MOCK_KEY] : secrets;
    const desired = this.vault.replace(profile, effective);
    const plan = planKeySync(desired, this.keys.fingerprints(profile));
    const now = new Date().toISOString();
    for (const fingerprint of plan.register) {
      await this.writer.apiKey({ type: 'RegisterKey', data: { fingerprint, provider: profile, now } });
    }
    for (const fingerprint of plan.remove) {
      await this.writer.apiKey({ type: 'RemoveKey', data: { fingerprint, now } });
    }
    if (plan.register.length + plan.remove.length > 0) {
      this.logger.log(`keys of ${profile}: +[${plan.register.join(', ')}] -[${plan.remove.join(', ')}] (${desired.length} configured)`);
    }
    if (desired.length === 0) this.logger.warn(`provider ${profile} has no keys: routing skips it`);
  }
}
