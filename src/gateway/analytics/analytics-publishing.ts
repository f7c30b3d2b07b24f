import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type { GatewayConfig } from '@switchboard/config';
import { UsageProjection } from '@switchboard/domain';
import type { EventStore, Subscription } from '@switchboard/event-store';
import { GATEWAY_ENV } from '../core/core.tokens';
import type { NatsLink } from '../core/nats-link';
import { Readiness } from '../health/readiness';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { asRegistryMetric, TallyCounter } from '../metrics/tallies';
import { EVENT_STORE, GATEWAY_CONFIG } from '../tokens';
import { RequestObservers } from '../v1/request-observers';
import { AnalyticsConnection } from './analytics-connection';
import { DomainEventPublisher } from './domain-event-publisher';
import { RequestPublisher } from './request-publisher';
import { analyticsNames, requestsCompletedSubject } from './subjects';
import { UsageRecorder } from './usage-recorder';

/**
 * Usage and analytics. Always: finished requests rolled up into `UsageRecorded` events and the
 * usage projection behind `/admin/usage`. With `NATS_URL`: every domain event to
 * `SWITCHBOARD_EVENTS` and every finished request to `SWITCHBOARD_REQUESTS`. Publishing starts
 * after the application is up, so it never delays serving, and everything stops before the event
 * store closes (the last usage minute is recorded first).
 */
@Injectable()
export class AnalyticsPublishing implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Analytics');
  private readonly dropped = new TallyCounter(
    'switchboard_analytics_dropped_total',
    'Finished-request messages not published to NATS (buffer full while NATS was away or slow, or a failed publish).',
  );
  private readonly usage: UsageRecorder;
  private usageFeed?: Subscription;
  private link?: NatsLink;
  private stopping = false;
  private domainEvents?: DomainEventPublisher;
  private requests?: RequestPublisher;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(GATEWAY_ENV) private readonly env: NodeJS.ProcessEnv,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly observers: RequestObservers,
    private readonly projection: UsageProjection,
    private readonly readiness: Readiness,
    metrics: GatewayMetrics,
  ) {
    metrics.registry.registerMetric(asRegistryMetric(this.dropped));
    this.usage = new UsageRecorder(store, config.prices, config.analytics.usageFlushMs, this.logger);
  }

  onModuleInit(): void {
    this.observers.register(this.usage);
    this.usage.start();
    // Not awaited: the gateway listens while the store is read (see ProjectionFeed); `/admin/usage` waits for it.
    this.usageFeed = this.store.subscribeToAll(undefined, (event) => this.projection.apply(event));
    if (this.env.NATS_URL)
      this.readiness.register({
        name: 'analytics',
        required: false,
        check: () =>
          this.link?.isConnected
            ? { status: 'up' }
            : {
                status: 'down',
                // Before the first connect the link tells why (not there, or refusing the credentials).
                message: `NATS ${this.link?.trouble ?? 'unreachable'}: domain events wait at their checkpoint, finished requests are buffered or dropped`,
              },
      });
  }

  /** Resolves once every usage event stored at start-up is in the projection (rejects if the store fails). */
  get usageCaughtUp(): Promise<void> {
    return this.usageFeed?.caughtUp ?? Promise.resolve();
  }

  /**
   * Publishing starts once NATS answers: at once, or whenever it comes when it is not reachable yet
   * (the gateway serves meanwhile). Until then finished requests wait in the publisher's buffer
   * and domain events at their checkpoint in the stream.
   */
  async onApplicationBootstrap(): Promise<void> {
    const url = this.env.NATS_URL;
    if (!url) return;
    const { analytics } = this.config;
    const names = analyticsNames(this.env);
    this.requests = new RequestPublisher(
      requestsCompletedSubject(names.subjectPrefix),
      this.config.prices,
      analytics.bufferSize,
      () => this.countDrop(),
      this.logger,
    );
    this.observers.register(this.requests);
    const link = (this.link = await AnalyticsConnection.open(
      url,
      this.logger,
      `domain events wait at their checkpoint, finished requests are buffered (up to analytics.buffer_size, ${analytics.bufferSize}) and the rest dropped and counted, until it is`,
    ));
    const start = (nc: NatsConnection) =>
      this.startPublishing(link, nc).catch((err: unknown) =>
        this.logger.error(`publishing did not start: ${err instanceof Error ? err.message : String(err)}`),
      );
    // Connected already: the streams are ensured before the gateway listens.
    if (link.connection) await start(link.connection);
    else link.onConnected((nc) => void start(nc));
  }

  private async startPublishing(link: NatsLink, nc: NatsConnection): Promise<void> {
    const { analytics } = this.config;
    const connection = await AnalyticsConnection.over(link, nc, this.env);
    // A failure here (NATS gone again, JetStream off) is retried by the domain events' checkpoint
    // reads, which create a missing stream.
    await connection
      .ensureStreams(analytics)
      .catch((err: unknown) => this.logger.warn(`streams not ensured yet: ${err instanceof Error ? err.message : String(err)}`));
    if (this.stopping) return;
    this.domainEvents = new DomainEventPublisher(this.store, connection, analytics.eventsStream.maxAgeMs, this.logger, () =>
      connection.ensureStreams(analytics),
    );
    this.domainEvents.start();
    this.requests?.attach(connection);
    const { names } = connection;
    this.logger.log(
      `publishing domain events to ${names.eventsStream} (${names.subjectPrefix}.events.<category>.<type>) and finished requests to ${names.requestsStream}`,
    );
  }

  /** How far this replica's outbox got, and what JetStream did with its messages (tests, diagnostics). */
  domainEventCounts(): { published: number; duplicates: number; position: bigint | undefined } {
    const p = this.domainEvents;
    return { published: p?.published ?? 0, duplicates: p?.duplicates ?? 0, position: p?.position };
  }

  /** Finished-request messages JetStream acknowledged, and those still awaiting it (tests, diagnostics). */
  requestCounts(): { published: number; inFlight: number } {
    return { published: this.requests?.published ?? 0, inFlight: this.requests?.inFlight ?? 0 };
  }

  /** Appends every usage minute counted so far, the current one included (tests, shutdown). */
  flushUsage(): Promise<void> {
    return this.usage.flush(true);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.usage.stop();
    await this.usageFeed?.close();
    await this.requests?.close();
    await this.domainEvents?.close();
    await this.link?.close();
  }

  private countDrop(): void {
    this.dropped.inc('requests', () => ({ subject: 'requests.completed' }));
  }
}
