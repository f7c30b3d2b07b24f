/** An event as the domain produces it: a past-tense fact, JSON-safe, never a secret. */
export interface NewEvent<T extends string = string, D = Record<string, unknown>> {
  type: T;
  data: D;
}

/** An event as the store recorded it. */
export interface RecordedEvent<T extends string = string, D = Record<string, unknown>> {
  stream: string;
  type: T;
  data: D;
  /** 0-based position of the event inside its stream. */
  revision: number;
  /** Global, strictly increasing order across all streams (a checkpoint for subscriptions). */
  position: bigint;
  /** When the store recorded it (ISO 8601). */
  at: string;
}

/** A window of one stream: the events with revision > `after`, at most `limit` of them. */
export interface StreamPage {
  after?: number;
  limit: number;
}

/**
 * What the caller believes the stream's current revision is:
 * a number (the revision of its last event), `'no_stream'` (it must not exist yet) or `'any'`.
 */
export type ExpectedRevision = number | 'no_stream' | 'any';

export interface AppendResult {
  /** Revision of the last event written (the next expected revision). */
  nextRevision: number;
  /** Global position of the last event written. */
  position: bigint;
  /** The events as recorded, in order: apply these to projections right after a local append. */
  recorded: RecordedEvent[];
}

export interface Subscription {
  /** Resolves once every event that existed when the subscription started has been delivered. */
  readonly caughtUp: Promise<void>;
  /**
   * Resolves with the error of a handler that threw: delivery has stopped for good, during the
   * catch-up (which then rejects with it too) or after it, when nothing else would tell a reader
   * that what it was fed is going stale. Stays pending otherwise, a close included.
   */
  readonly failed: Promise<unknown>;
  close(): Promise<void>;
}

export type EventHandler = (event: RecordedEvent) => void | Promise<void>;

/** The event store port. Every adapter passes `contract/event-store.contract.ts`. */
export interface EventStore {
  /**
   * Appends events atomically. Throws `ConcurrencyError` when `expected` does not match the
   * stream's current revision. Appending no events is a no-op returning the current revision.
   */
  append(stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult>;

  /**
   * Reads one stream oldest first; an unknown stream reads as `[]`. With a `page`, only the events
   * after revision `after` (from the start when omitted), at most `limit` of them: a bounded read
   * however long the stream has grown.
   */
  readStream(stream: string, page?: StreamPage): Promise<RecordedEvent[]>;

  /** Reads all events in global order with `position > after` (everything when omitted). */
  readAll(after?: bigint): AsyncIterable<RecordedEvent>;

  /**
   * Delivers every event with `position > after` in global order (catch-up), then new events as
   * they are appended (live), including events appended by other processes.
   * Events are delivered one at a time; a handler's promise is awaited before the next.
   */
  subscribeToAll(after: bigint | undefined, handler: EventHandler): Subscription;

  /**
   * Takes the lease `name` for `ttlMs` (by the store's clock) when nobody holds it: never taken,
   * or the last lease has run out. True for exactly one of several concurrent callers, from any
   * process on the store; false while a lease runs, for its own holder too (a lease is "once per
   * period", e.g. one probe of a key per interval across every keeper). Leases are not events:
   * they are overwritten in place and never reach `readAll` or a subscription.
   */
  claim(name: string, holder: string, ttlMs: number): Promise<boolean>;

  /** Cheap round-trip used by the readiness check. */
  ping(): Promise<void>;

  close(): Promise<void>;
}

export class ConcurrencyError extends Error {
  readonly code = 'WRONG_EXPECTED_REVISION';
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    readonly actual: number | 'no_stream',
  ) {
    super(`stream ${stream}: expected revision ${String(expected)}, actual ${String(actual)}`);
    this.name = 'ConcurrencyError';
  }
}
