import type { LoggerService } from '@nestjs/common';
import type { Prices } from '@switchboard/domain';
import type { RequestObserver, RequestRecord } from '../routing/request-record';
import { AckedPublishes } from './acked-publishes';
import type { AnalyticsConnection } from './analytics-connection';
import { requestCompletedJson } from './request-message';

/** Publishes in flight at once: far more than 50 ms of a busy gateway's requests, few enough to bound memory. */
const MAX_IN_FLIGHT = 4096;
/**
 * How long a message waits for others to share its write. Published at the end of every turn of
 * the event loop, each message cost the gateway a wake-up and a write of its own at full load (a
 * turn carries one or two requests) and nats-server a read of its own: 16 µs of the server's CPU
 * a message, 9 µs when gathered over 10 ms, 8 µs over 50 ms. A consumer sees a request at most
 * 50 ms later.
 */
const GATHER_MS = 50;
const PUBLISH_TIMEOUT_MS = 5_000;

/**
 * Finished requests to `SWITCHBOARD_REQUESTS`, never in the request's way: the observer only
 * encodes the message and queues it (bounded by `analytics.buffer_size`); what is queued is
 * published every 50 ms, acknowledged by JetStream. While NATS is away (or not reached yet: the
 * publisher queues from the start, and publishes once `attach`ed to the connection) the queue holds
 * what fits and the rest is dropped and counted, as is a publish that fails: these messages are not
 * retried (domain events are the ones that must not be lost, and they resume from their checkpoint).
 */
export class RequestPublisher implements RequestObserver {
  private readonly queue: string[] = [];
  private head = 0;
  private nats?: AnalyticsConnection;
  private acks?: AckedPublishes;
  private scheduled = false;
  private closed = false;
  private idle?: () => void;
  published = 0;

  constructor(
    private readonly subject: string,
    private readonly prices: Prices,
    private readonly bufferSize: number,
    /** Told about each message dropped (the metrics counter). */
    private readonly dropped: () => void,
    private readonly logger: LoggerService,
  ) {}

  /** NATS was reached (and the streams ensured): what is queued goes out, and from now on what comes. */
  attach(nats: AnalyticsConnection): void {
    if (this.closed) return;
    this.nats = nats;
    this.acks = new AckedPublishes(nats.nc, PUBLISH_TIMEOUT_MS, (ok, err) => this.settled(ok, err));
    nats.onReconnect(() => this.schedule());
    this.schedule();
  }

  requestFinished(record: RequestRecord): void {
    if (this.closed) return this.dropped();
    // Full while NATS is up: it is the gathering that holds them, not NATS; they go out now.
    if (this.queued >= this.bufferSize) this.pump();
    if (this.queued >= this.bufferSize) return this.dropped();
    this.queue.push(requestCompletedJson(record, this.prices, Date.now()));
    this.schedule();
  }

  /** Messages published and not acknowledged (or refused) yet. */
  get inFlight(): number {
    return this.acks?.inFlight ?? 0;
  }

  /** Waits (a bounded time) for what is queued to be published, then stops. */
  async close(timeoutMs = 2_000): Promise<void> {
    this.schedule();
    if (this.pending() > 0 && this.nats?.isConnected) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.closed = true;
    this.acks?.close();
  }

  /** Messages waiting to be published. */
  private get queued(): number {
    return this.queue.length - this.head;
  }

  private pending(): number {
    return this.queued + this.inFlight;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => {
      this.scheduled = false;
      this.pump();
    }, GATHER_MS).unref();
  }

  private pump(): void {
    const { acks, nats } = this;
    if (!acks || !nats) return;
    while (acks.inFlight < MAX_IN_FLIGHT && this.head < this.queue.length && nats.isConnected) {
      acks.publish(this.subject, this.queue[this.head++]);
    }
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head > 1024) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }

  private settled(ok: boolean, err?: unknown): void {
    if (ok) this.published++;
    else {
      this.dropped();
      this.logger.debug?.(`a requests.completed message was dropped: ${err instanceof Error ? err.message : String(err)}`, 'Analytics');
    }
    if (this.pending() === 0) this.idle?.();
    else this.schedule();
  }
}
