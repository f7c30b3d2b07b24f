import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ClientKeysProjection, KeyPoolProjection, ProjectionCheckpoints, ProviderHealthProjection } from '@switchboard/domain';
import type { EventStore, RecordedEvent, Subscription } from '@switchboard/event-store';
import { EVENT_STORE } from '../tokens';

/** A read model that follows every event, as the feed delivers it. */
export interface FollowingProjection {
  apply(event: RecordedEvent): void;
}

/**
 * Feeds the key-pool, provider-health and client-keys projections, and any other read model that asks to follow (before start-up), from one
 * catch-up subscription over all events, from the start. Events appended by other replicas (or the
 * keeper process) arrive here; local appends arrive twice and the projections ignore the repeat.
 * On the way it leaves checkpoints for the admin's time travel.
 */
@Injectable()
export class ProjectionFeed implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ProjectionFeed.name);
  private subscription?: Subscription;
  private caught = false;
  private stoppedBy?: string;
  private resolveReady!: () => void;
  private readonly followers: FollowingProjection[] = [];
  /** Resolves once every event that existed at start-up has been applied. */
  readonly ready = new Promise<void>((resolve) => (this.resolveReady = resolve));

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly keys: KeyPoolProjection,
    private readonly providers: ProviderHealthProjection,
    private readonly checkpoints: ProjectionCheckpoints,
    private readonly clients: ClientKeysProjection,
  ) {}

  /** For readiness: false until the initial catch-up is done, and again once the feed has stopped. */
  get caughtUp(): boolean {
    return this.caught && this.stoppedBy === undefined;
  }

  /** Why the feed stopped (a projection threw on an event): the projections no longer follow the store. */
  get failure(): string | undefined {
    return this.stoppedBy;
  }

  /** Adds a read model; call it while the app is built (a provider's factory), before the feed starts. */
  follow(projection: FollowingProjection): void {
    if (this.subscription) throw new Error('a projection must follow the feed before it starts');
    this.followers.push(projection);
  }

  /**
   * Starts following the store without waiting for the catch-up, so the HTTP server can listen (and
   * readiness say 503) while a large or unreachable store is being read; `ready` tells when it is done.
   */
  onModuleInit(): void {
    this.subscription = this.store.subscribeToAll(undefined, (event) => this.apply(event));
    void this.subscription.failed.then((error) => {
      this.stoppedBy = error instanceof Error ? error.message : String(error);
      this.logger.error(`projections stopped following the event store: ${this.stoppedBy}`);
    });
    this.subscription.caughtUp.then(
      () => {
        this.caught = true;
        this.lagSeconds = 0;
        this.resolveReady();
        this.logger.log(
          `projections caught up at position ${String(this.keys.position > this.providers.position ? this.keys.position : this.providers.position)}`,
        );
      },
      () => undefined, // a subscription that fails before catching up reports it through `failed`
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.subscription?.close();
  }

  /**
   * Seconds from the last applied event's append to its application here (`/metrics`): during the
   * catch-up, how far back the history being read is; after it, how late other replicas' events arrive.
   */
  lagSeconds = 0;

  private apply(event: RecordedEvent): void {
    this.lagSeconds = Math.max(0, (Date.now() - Date.parse(event.at)) / 1000);
    this.keys.apply(event);
    this.providers.apply(event);
    this.checkpoints.afterApply(event, this.keys, this.providers);
    for (const follower of this.followers) follower.apply(event);
    this.clients.apply(event);
  }
}
