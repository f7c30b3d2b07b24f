import {
  ANY,
  AllStreamResolvedEvent,
  AppendExpectedRevision,
  BACKWARDS,
  END,
  EventStoreDBClient,
  NO_STREAM,
  Position,
  ReadPosition,
  RecordedEvent as EsdbRecordedEvent,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  excludeSystemEvents,
  jsonEvent,
} from '@eventstore/db-client';
import {
  AppendResult,
  ConcurrencyError,
  EventHandler,
  EventStore,
  ExpectedRevision,
  NewEvent,
  RecordedEvent,
  StreamPage,
  Subscription,
} from '../event-store';
import { nothingAppended } from '../expected-revision';
import { SubscriptionSignals } from '../subscription-signals';

const RESUBSCRIBE_DELAY_MS = 1000;
/** How far back from the end of `$all` to look for the newest non-system event (the catch-up target). */
const HEAD_SEARCH_WINDOW = 500;
const PING_STREAM = 'switchboard-ping';
/** Leases live in streams of their own, each capped to its last event and never delivered. */
const LEASE_STREAM_PREFIX = 'switchboard-lease-';
/** What servers before 22.6 report as the position of an event read from its own stream. */
const UNKNOWN_POSITION = 2n ** 64n - 1n;

/** KurrentDB is EventStoreDB renamed; the 6.x client only knows the `esdb` schemes. */
export function toEsdbConnectionString(url: string): string {
  return url.replace(/^(kurrentdb|kurrent)(\+discover)?:\/\//, (_match, _scheme, discover?: string) => `esdb${discover ?? ''}://`);
}

/**
 * The event store at scale: EventStoreDB / KurrentDB through the official gRPC client.
 * Our global `position` is the event's commit position in `$all`; system events (`$...`) are never
 * delivered.
 */
export class EsdbEventStore implements EventStore {
  private readonly client: EventStoreDBClient;
  private readonly subscriptions = new Set<EsdbSubscription>();

  constructor(connectionString: string) {
    this.client = EventStoreDBClient.connectionString(toEsdbConnectionString(connectionString));
  }

  async append(stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    if (events.length === 0) return this.currentState(stream);
    let nextExpectedRevision: bigint;
    let appendedAt: Position | undefined;
    try {
      const result = await this.client.appendToStream(
        stream,
        events.map((event) => jsonEvent({ type: event.type, data: event.data })),
        { expectedRevision: toEsdbExpected(expected) },
      );
      nextExpectedRevision = result.nextExpectedRevision;
      appendedAt = result.position;
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        const actual = error.actualVersion === NO_STREAM ? 'no_stream' : Number(error.actualVersion);
        throw new ConcurrencyError(stream, expected, actual);
      }
      throw error;
    }
    // Read the events back: only the server knows each one's position and time.
    const nextRevision = Number(nextExpectedRevision);
    const recorded = (await this.readStreamFrom(stream, nextRevision - events.length + 1, events.length)).map((event) =>
      event.position === UNKNOWN_POSITION && appendedAt ? { ...event, position: appendedAt.commit } : event,
    );
    const last = recorded[recorded.length - 1];
    return { nextRevision, position: last?.position ?? appendedAt?.commit ?? 0n, recorded };
  }

  async readStream(stream: string, page?: StreamPage): Promise<RecordedEvent[]> {
    return page ? this.readStreamFrom(stream, (page.after ?? -1) + 1, page.limit) : this.readStreamFrom(stream, 0, undefined);
  }

  async *readAll(after?: bigint): AsyncIterable<RecordedEvent> {
    // fromPosition is inclusive for reads, so the event at `after` itself is skipped below.
    const read = this.client.readAll({ fromPosition: toReadPosition(after) });
    for await (const resolved of read) {
      const event = toRecorded(resolved);
      if (!event || isSystem(event) || (after !== undefined && event.position <= after)) continue;
      yield event;
    }
  }

  subscribeToAll(after: bigint | undefined, handler: EventHandler): Subscription {
    const subscription = new EsdbSubscription(this.client, after, handler, (closed) => this.subscriptions.delete(closed));
    this.subscriptions.add(subscription);
    return subscription;
  }

  /**
   * A lease is the last event of its own stream (capped to one event): read it, and append the
   * next one expecting its revision, so of concurrent claimers only one append succeeds. The
   * deadline is by this client's clock: replicas' clocks must agree to well under a probe interval.
   */
  async claim(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const stream = `${LEASE_STREAM_PREFIX}${name}`;
    const last = await this.lastEventOf(stream);
    const expectedRevision: AppendExpectedRevision = last ? last.revision : NO_STREAM;
    if (last && Number((last.data as { until?: unknown }).until) > Date.now()) return false;
    try {
      await this.client.appendToStream(stream, jsonEvent({ type: 'LeaseTaken', data: { holder, until: Date.now() + ttlMs } }), {
        expectedRevision,
      });
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) return false;
      throw error;
    }
    if (expectedRevision === NO_STREAM) await this.client.setStreamMetadata(stream, { maxCount: 1 });
    return true;
  }

  async ping(): Promise<void> {
    try {
      // Read to the end (at most one event): a read left half-consumed keeps dispose() waiting.
      for await (const _ of this.client.readStream(PING_STREAM, { maxCount: 1 }));
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    await this.client.dispose();
  }

  private async readStreamFrom(stream: string, fromRevision: number, maxCount: number | undefined): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    try {
      const read = this.client.readStream(stream, { fromRevision: BigInt(fromRevision), ...(maxCount ? { maxCount } : {}) });
      for await (const resolved of read) {
        const event = toRecorded(resolved);
        if (event) events.push(event);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return events;
  }

  private async currentState(stream: string): Promise<AppendResult> {
    const last = await this.lastEventOf(stream);
    return nothingAppended(last && toRecorded({ event: last }));
  }

  /**
   * The stream's last event, if any. The read is consumed to its end (it holds one event): leaving
   * a read early keeps its gRPC call unfinished, and the client's dispose() then waits for it forever
   * (first seen against the gRPC stand-in, in the contract suite's empty append and lease tests).
   */
  private async lastEventOf(stream: string): Promise<EsdbRecordedEvent | undefined> {
    let last: EsdbRecordedEvent | undefined;
    try {
      for await (const resolved of this.client.readStream(stream, { direction: BACKWARDS, fromRevision: END, maxCount: 1 })) {
        last = resolved.event ?? last;
      }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    return last;
  }
}

/**
 * A catch-up subscription to `$all` that resubscribes from its checkpoint when the connection
 * drops, so a replica keeps converging. `caughtUp` resolves once the newest non-system event that
 * existed at the start has been handled (or the server says it caught up and nothing is buffered).
 */
class EsdbSubscription implements Subscription {
  private readonly signals = new SubscriptionSignals();
  private closed = false;
  private current: ReturnType<EventStoreDBClient['subscribeToAll']> | undefined;
  /** The full log position (commit and prepare) of the last event handled: where to resume. */
  private checkpoint: Position | undefined;

  constructor(
    private readonly client: EventStoreDBClient,
    after: bigint | undefined,
    private readonly handler: EventHandler,
    private readonly onClose: (subscription: EsdbSubscription) => void,
  ) {
    this.checkpoint = after === undefined || after <= 0n ? undefined : { commit: after, prepare: after };
    void this.run();
  }

  get caughtUp(): Promise<void> {
    return this.signals.caughtUp;
  }

  get failed(): Promise<unknown> {
    return this.signals.failed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose(this);
    this.signals.released();
    await this.current?.unsubscribe();
    // A cancelled gRPC call does not always end the readable; destroying it ends our loop.
    this.current?.destroy();
  }

  private async run(): Promise<void> {
    let head: bigint | undefined;
    try {
      head = await this.headPosition();
    } catch (error) {
      this.fail(error);
      return;
    }
    if (head === undefined || (this.checkpoint !== undefined && this.checkpoint.commit >= head)) this.signals.markCaughtUp();

    while (!this.closed) {
      try {
        await this.consume(head);
      } catch (error) {
        if (error instanceof HandlerError) {
          this.fail(error.cause);
          return;
        }
      }
      // The server ended or dropped the subscription: resume from the checkpoint.
      if (!this.closed) await new Promise((resolve) => setTimeout(resolve, RESUBSCRIBE_DELAY_MS));
    }
  }

  private async consume(head: bigint | undefined): Promise<void> {
    const subscription = this.client.subscribeToAll({
      fromPosition: this.checkpoint ?? START,
      filter: excludeSystemEvents(),
    });
    this.current = subscription;
    let serverCaughtUp = false;
    subscription.on('caughtUp', () => {
      serverCaughtUp = true;
      if (subscription.readableLength === 0) this.signals.markCaughtUp();
    });
    for await (const resolved of subscription as AsyncIterable<AllStreamResolvedEvent>) {
      if (this.closed) return;
      const event = toRecorded(resolved);
      const position = resolved.event?.position;
      if (!event || !position || isSystem(event) || (this.checkpoint && !isAfter(position, this.checkpoint))) continue;
      try {
        await this.handler(event);
      } catch (error) {
        throw new HandlerError(error);
      }
      this.checkpoint = position;
      if ((head !== undefined && event.position >= head) || (serverCaughtUp && subscription.readableLength === 0)) {
        this.signals.markCaughtUp();
      }
    }
  }

  private async headPosition(): Promise<bigint | undefined> {
    const read = this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: HEAD_SEARCH_WINDOW });
    for await (const resolved of read) {
      const event = toRecorded(resolved);
      if (event && !isSystem(event)) {
        await read.cancel();
        return event.position;
      }
    }
    return undefined;
  }

  private fail(error: unknown): void {
    this.signals.stopped(error, this.checkpoint?.commit ?? 0n);
    void this.close();
  }
}

class HandlerError extends Error {
  constructor(override readonly cause: unknown) {
    super('event handler failed');
  }
}

function toEsdbExpected(expected: ExpectedRevision): AppendExpectedRevision {
  if (expected === 'any') return ANY;
  if (expected === 'no_stream') return NO_STREAM;
  return BigInt(expected);
}

function toReadPosition(after: bigint | undefined): ReadPosition {
  return after === undefined || after <= 0n ? START : { commit: after, prepare: after };
}

function isAfter(position: Position, checkpoint: Position): boolean {
  return position.commit > checkpoint.commit || (position.commit === checkpoint.commit && position.prepare > checkpoint.prepare);
}

function toRecorded(resolved: { event?: EsdbRecordedEvent; commitPosition?: bigint }): RecordedEvent | undefined {
  const event = resolved.event;
  if (!event) return undefined;
  const position = event.position?.commit ?? resolved.commitPosition;
  if (position === undefined) return undefined;
  return {
    stream: event.streamId,
    type: event.type,
    data: toData(event.data),
    revision: Number(event.revision),
    position,
    at: event.created.toISOString(),
  };
}

function toData(data: unknown): Record<string, unknown> {
  if (data instanceof Uint8Array) {
    try {
      return JSON.parse(Buffer.from(data).toString('utf8')) as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  return (data ?? {}) as Record<string, unknown>;
}

/** Events no reader of ours is fed: the server's own, and leases (bookkeeping, not facts). */
function isSystem(event: RecordedEvent): boolean {
  return event.stream.startsWith('$') || event.type.startsWith('$') || event.stream.startsWith(LEASE_STREAM_PREFIX);
}
