import type { LoggerService } from '@nestjs/common';
import type { EventStore, RecordedEvent, Subscription } from '@switchboard/event-store';
import { AnalyticsConnection } from './analytics-connection';
import { domainEventMessage, eventSubject } from './subjects';

const RETRY_MIN_MS = 200;
const RETRY_MAX_MS = 5_000;
const PUBLISH_TIMEOUT_MS = 5_000;

/** Where the stream says publishing got to. */
interface Checkpoint {
  /** Position of the newest event in the stream; undefined: nothing is known to be published. */
  after: bigint | undefined;
  /**
   * When the stream once held messages that all aged out: events older than its max age would
   * have expired anyway, so they are not published again.
   */
  notBeforeMs?: number;
}

/**
 * The outbox of domain events: follows the event store's own subscription and publishes each event
 * to `SWITCHBOARD_EVENTS` on `<prefix>.events.<category>.<EventType>`, in order, never from the
 * request path.
 *
 * Exactly once, with several replicas and crashes, by dedupe rather than a lease:
 * - the checkpoint is the stream itself: on start, and after any failed publish (NATS away, a
 *   timeout), the publisher reads the position of the stream's last message and continues after it,
 *   so nothing is published twice after a restart and nothing is skipped (an event is published
 *   only once the one before it is in the stream);
 * - every message carries `Nats-Msg-Id` = the event id (`<stream>@<revision>`), so a replica
 *   publishing the same event, or a republish of one whose ack was lost, is dropped by JetStream's
 *   duplicate window (`analytics.events_stream.duplicate_window_ms`, a day by default).
 * Every replica publishes every event, and JetStream keeps the first; a replica cut off from NATS
 * longer than the window re-reads the checkpoint before publishing again, so it skips what the
 * others published meanwhile.
 */
export class DomainEventPublisher {
  private subscription?: Subscription;
  private checkpoint: Checkpoint = { after: undefined };
  private stale = true;
  private closed = false;
  private wake?: () => void;
  private lastProblem = '';
  /** The last event this replica has seen in the stream (published, dropped as a duplicate or skipped). */
  position: bigint | undefined;
  /** Events this replica stored in the stream / found already there (another replica, a lost ack). */
  published = 0;
  duplicates = 0;

  constructor(
    private readonly store: EventStore,
    private readonly nats: AnalyticsConnection,
    private readonly eventsMaxAgeMs: number,
    private readonly logger: LoggerService,
    private readonly recreateStreams: () => Promise<void>,
  ) {}

  start(): void {
    void this.run();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    await this.subscription?.close();
  }

  private async run(): Promise<void> {
    while (!this.closed && this.stale) {
      try {
        await this.refreshCheckpoint();
      } catch (err) {
        this.report(err);
        await this.pause();
      }
    }
    if (this.closed) return;
    this.subscription = this.store.subscribeToAll(this.checkpoint.after, (event) => this.publish(event));
    void this.subscription.failed.then((err) =>
      this.logger.error(
        `domain events stopped being published: ${err instanceof Error ? err.message : String(err)}`,
        undefined,
        'Analytics',
      ),
    );
  }

  /** Holds the subscription on this event until it is in the stream (or the publisher closes). */
  private async publish(event: RecordedEvent): Promise<void> {
    let delay = RETRY_MIN_MS;
    while (!this.closed) {
      try {
        if (this.stale) await this.refreshCheckpoint();
        if (this.alreadyPublished(event)) {
          this.position = event.position;
          return;
        }
        const message = domainEventMessage(event);
        const ack = await this.nats.js.publish(eventSubject(this.nats.names.subjectPrefix, event), JSON.stringify(message), {
          msgID: message.id,
          timeout: PUBLISH_TIMEOUT_MS,
        });
        if (ack.duplicate) this.duplicates++;
        else this.published++;
        this.checkpoint = { after: event.position };
        this.position = event.position;
        if (this.lastProblem) {
          this.logger.log(`domain events published again from position ${event.position}`, 'Analytics');
          this.lastProblem = '';
        }
        return;
      } catch (err) {
        this.stale = true;
        this.report(err);
        await this.pause(delay);
        delay = Math.min(delay * 2, RETRY_MAX_MS);
      }
    }
  }

  private alreadyPublished(event: RecordedEvent): boolean {
    const { after, notBeforeMs } = this.checkpoint;
    if (after !== undefined && event.position <= after) return true;
    return notBeforeMs !== undefined && Date.parse(event.at) < notBeforeMs;
  }

  private async refreshCheckpoint(): Promise<void> {
    const name = this.nats.names.eventsStream;
    const info = await this.nats.jsm.streams.info(name).catch(async (err: unknown) => {
      // Deleted, or a server that came back without its store: made again, and filled from the start.
      if (!AnalyticsConnection.isStreamNotFound(err)) throw err;
      await this.recreateStreams();
      return this.nats.jsm.streams.info(name);
    });
    if (info.state.messages === 0) {
      this.checkpoint =
        info.state.last_seq === 0 || this.eventsMaxAgeMs === 0
          ? { after: undefined }
          : { after: undefined, notBeforeMs: Date.now() - this.eventsMaxAgeMs };
    } else {
      const last = await this.nats.jsm.streams.getMessage(name, { seq: info.state.last_seq });
      if (!last) throw new Error(`${name}: its last message (${info.state.last_seq}) cannot be read`);
      this.checkpoint = { after: BigInt(last.json<{ position: string }>().position) };
    }
    this.stale = false;
  }

  private report(err: unknown): void {
    const problem = err instanceof Error ? err.message : String(err);
    if (problem === this.lastProblem) return;
    this.lastProblem = problem;
    this.logger.warn(`domain events wait for NATS (${problem}); they resume from the stream's checkpoint`, 'Analytics');
  }

  private pause(ms = RETRY_MAX_MS): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
