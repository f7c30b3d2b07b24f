import { Global, Inject, Injectable, Module, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import type { EventStore } from '@switchboard/event-store';
import { DomainWriter } from '../core/domain-writer';
import { KeySync } from '../core/key-sync';
import { ProjectionFeed } from '../core/projection-feed';
import { EVENT_STORE } from '../tokens';
import { HealthController } from './health.controller';
import { Readiness } from './readiness';

const STORE_PING_MS = 1_000;

/**
 * The event store answers, the projections have caught up and the configured keys are synced:
 * requests see the real key states.
 * A store outage once the projections have caught up only degrades: requests are served from
 * them and transitions wait in the outbox, so an outage does not pull every replica at once.
 */
@Injectable()
class CoreReadinessChecks implements OnModuleInit {
  constructor(
    private readonly readiness: Readiness,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly feed: ProjectionFeed,
    private readonly writer: DomainWriter,
    private readonly keySync: KeySync,
  ) {}

  onModuleInit(): void {
    this.readiness.register({
      name: 'event_store',
      required: true,
      check: async () => {
        const waiting = `${this.writer.pending} transitions waiting to be appended`;
        try {
          // Bounded below the readiness check's own limit: a store that hangs is unreachable, not a 503.
          await Promise.race([
            this.store.ping(),
            new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${STORE_PING_MS} ms`)), STORE_PING_MS).unref()),
          ]);
        } catch (error) {
          if (!this.feed.caughtUp) throw error;
          return { status: 'degraded', message: `unreachable: serving from the projections; ${waiting}` };
        }
        return this.writer.pending > 0 ? { status: 'degraded', message: `reachable again; ${waiting}` } : { status: 'up' };
      },
    });
    this.readiness.register({
      name: 'projections',
      required: true,
      check: () => {
        // The detail stays in the log: this endpoint is open to anyone's probes.
        if (this.feed.failure !== undefined)
          return { status: 'down', message: 'a projection failed on an event: no longer following the store' };
        if (!this.feed.caughtUp) return { status: 'down', message: 'catching up with the event store' };
        // Until the configured keys are in the pool, a request would get a 503 for want of a key.
        return this.keySync.synced ? { status: 'up' } : { status: 'down', message: 'syncing the configured keys' };
      },
    });
  }
}

/**
 * `/health/live` and `/health/ready`. Global so that every module registers the dependencies it
 * opened with `Readiness`. `core`: the process holds the event store and projections (gateway,
 * keeper); the tool server has neither.
 */
@Global()
@Module({})
export class HealthModule {
  static forRoot(opts: { core: boolean } = { core: true }): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController],
      providers: [Readiness, ...(opts.core ? [CoreReadinessChecks] : [])],
      exports: [Readiness],
    };
  }
}
