import {
  AppendResult,
  EventHandler,
  EventStore,
  ExpectedRevision,
  NewEvent,
  RecordedEvent,
  StreamPage,
  Subscription,
} from '../event-store';
import { appended, nothingAppended, revisionMismatch } from '../expected-revision';
import { PagedSubscriptions, readAllPages } from '../paged-subscription';

const PAGE_SIZE = 500;

/** An event store in a process's memory, for tests. Data is copied through JSON like a real store would. */
export class InMemoryEventStore implements EventStore {
  /** `log[i]` has position `i + 1`. */
  private readonly log: RecordedEvent[] = [];
  private readonly streams = new Map<string, RecordedEvent[]>();
  private readonly subscriptions = new PagedSubscriptions((from) => this.page(from));
  /** Lease name → when it runs out (epoch ms). */
  private readonly leases = new Map<string, number>();

  async append(stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    const existing = this.streams.get(stream) ?? [];
    const current = existing.length - 1;
    if (events.length === 0) return nothingAppended(existing.at(-1));
    const mismatch = revisionMismatch(stream, expected, current);
    if (mismatch) throw mismatch;

    const at = new Date().toISOString();
    const recorded = events.map((event, i): RecordedEvent => ({
      stream,
      type: event.type,
      data: JSON.parse(JSON.stringify(event.data)) as Record<string, unknown>,
      revision: current + 1 + i,
      position: BigInt(this.log.length + 1 + i),
      at,
    }));
    this.log.push(...recorded);
    this.streams.set(stream, existing.concat(recorded));
    this.subscriptions.wake();
    return appended(recorded.map(copy));
  }

  async readStream(stream: string, page?: StreamPage): Promise<RecordedEvent[]> {
    const events = this.streams.get(stream) ?? [];
    if (!page) return events.map(copy);
    const start = Math.max(0, (page.after ?? -1) + 1);
    return events.slice(start, start + page.limit).map(copy);
  }

  readAll(after = 0n): AsyncIterable<RecordedEvent> {
    return readAllPages((from) => this.page(from), after);
  }

  subscribeToAll(after: bigint | undefined, handler: EventHandler): Subscription {
    return this.subscriptions.subscribe(after, handler);
  }

  async claim(name: string, _holder: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    if ((this.leases.get(name) ?? 0) > now) return false;
    this.leases.set(name, now + ttlMs);
    return true;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    await this.subscriptions.close();
  }

  private page(after: bigint): RecordedEvent[] {
    const start = Number(after < 0n ? 0n : after);
    return this.log.slice(start, start + PAGE_SIZE).map(copy);
  }
}

const copy = (event: RecordedEvent): RecordedEvent => ({
  ...event,
  data: JSON.parse(JSON.stringify(event.data)) as Record<string, unknown>,
});
