import { Inject, Injectable, Logger, Module, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { GatewayConfig } from '@switchboard/config';
import type { EventStore } from '@switchboard/event-store';
import { GATEWAY_ENV } from '../core/core.tokens';
import { GATEWAY_CONFIG, EVENT_STORE } from '../tokens';
import { AnalyticsConnection } from './analytics-connection';
import { DomainEventPublisher } from './domain-event-publisher';

/**
 * Analytics over NATS JetStream, on when `NATS_URL` is set: every domain event to
 * `SWITCHBOARD_EVENTS`. Started after the application is up (the projections have caught up), so
 * publishing never delays serving; stopped before the event store closes.
 */
@Injectable()
export class AnalyticsPublishing implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Analytics');
  private connection?: AnalyticsConnection;
  private domainEvents?: DomainEventPublisher;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(GATEWAY_ENV) private readonly env: NodeJS.ProcessEnv,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const url = this.env.NATS_URL;
    if (!url) return;
    this.connection = await AnalyticsConnection.open(url, this.env);
    await this.connection.ensureStreams(this.config.analytics);
    this.domainEvents = new DomainEventPublisher(this.store, this.connection, this.config.analytics.eventsStream.maxAgeMs, this.logger);
    this.domainEvents.start();
    const { names } = this.connection;
    this.logger.log(`domain events to JetStream stream ${names.eventsStream} on ${names.subjectPrefix}.events.<category>.<type>`);
  }

  /** How far this replica's outbox got, and what JetStream did with its messages (tests, diagnostics). */
  domainEventCounts(): { published: number; duplicates: number; position: bigint | undefined } {
    const p = this.domainEvents;
    return { published: p?.published ?? 0, duplicates: p?.duplicates ?? 0, position: p?.position };
  }

  async onModuleDestroy(): Promise<void> {
    await this.domainEvents?.close();
    await this.connection?.close();
  }
}

@Module({ providers: [AnalyticsPublishing] })
export class AnalyticsModule {}
