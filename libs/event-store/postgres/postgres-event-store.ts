import { Client, DatabaseError, Pool } from 'pg';
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
import { NO_STREAM_REVISION, appended, nothingAppended } from '../expected-revision';
import { AppendWatch, HeadPoll, PagedSubscriptions, readAllPages } from '../paged-subscription';
import { NOTIFY_CHANNEL, WRONG_EXPECTED_REVISION, migrateOnce, postgresPoolConfig, type PostgresPoolOptions } from './migrations';

export interface PostgresEventStoreOptions extends PostgresPoolOptions {
  /**
   * How often subscriptions look for new events when no notification came (default 500 ms): the
   * fallback for a dropped LISTEN connection, so replicas still converge within a second.
   */
  pollIntervalMs?: number;
}

const PAGE_SIZE = 1000;
const RELISTEN_DELAY_MS = 1000;
const ANY_REVISION = -2;

interface EventRow {
  position: string;
  stream: string;
  revision: number;
  type: string;
  data: Record<string, unknown>;
  at: Date;
}

const COLUMNS = 'position, stream, revision, type, data, at';

/**
 * The shared event store for several replicas: one PostgreSQL database (`postgres://` URL).
 * Appends run one at a time under an advisory lock (see the migration), so `position > checkpoint`
 * never skips an event that commits late. Subscriptions read pages by position, woken by
 * LISTEN/NOTIFY and, as a fallback, by a poll of the newest position.
 */
export class PostgresEventStore implements EventStore {
  private readonly pool: Pool;
  private readonly subscriptions: PagedSubscriptions;
  /** Applies the migrations once (see migrateOnce). */
  private readonly ready: () => Promise<void>;
  private closed = false;

  constructor(
    private readonly url: string,
    opts: PostgresEventStoreOptions = {},
  ) {
    this.pool = new Pool(postgresPoolConfig(url, opts));
    this.ready = migrateOnce(this.pool);
    // An idle connection dropped by the server (restart, failover) is replaced on next use;
    // without a listener the pool's 'error' event would end the process.
    this.pool.on('error', () => undefined);
    const wake = () => this.subscriptions.wake();
    const poll = new HeadPoll(() => this.head(), opts.pollIntervalMs ?? 500, wake);
    this.subscriptions = new PagedSubscriptions((from) => this.page(from), new ListenAndPoll(url, poll, wake));
  }

  async append(stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    if (events.length === 0) return this.currentState(stream);
    await this.ready();
    const data = events.map((event) => JSON.stringify(event.data));
    let rows: { event_position: string; event_revision: number; event_at: Date }[];
    try {
      ({ rows } = await this.pool.query(
        'SELECT event_position, event_revision, event_at FROM switchboard_append($1, $2, $3::text[], $4::jsonb[]) ORDER BY event_revision',
        [stream, toExpected(expected), events.map((event) => event.type), data],
      ));
    } catch (error) {
      if (error instanceof DatabaseError && error.code === WRONG_EXPECTED_REVISION) {
        const actual = Number(error.detail);
        throw new ConcurrencyError(stream, expected, actual === NO_STREAM_REVISION ? 'no_stream' : actual);
      }
      throw error;
    }
    const recorded = rows.map((row, i): RecordedEvent => ({
      stream,
      type: events[i].type,
      data: JSON.parse(data[i]) as Record<string, unknown>,
      revision: row.event_revision,
      position: BigInt(row.event_position),
      at: row.event_at.toISOString(),
    }));
    this.subscriptions.wake();
    return appended(recorded);
  }

  async readStream(stream: string, page?: StreamPage): Promise<RecordedEvent[]> {
    await this.ready();
    const { rows } = page
      ? await this.pool.query<EventRow>(
          `SELECT ${COLUMNS} FROM switchboard_events WHERE stream = $1 AND revision > $2 ORDER BY revision LIMIT $3`,
          [stream, page.after ?? -1, page.limit],
        )
      : await this.pool.query<EventRow>(`SELECT ${COLUMNS} FROM switchboard_events WHERE stream = $1 ORDER BY revision`, [stream]);
    return rows.map(toRecorded);
  }

  readAll(after = 0n): AsyncIterable<RecordedEvent> {
    return readAllPages((from) => this.page(from), after);
  }

  subscribeToAll(after: bigint | undefined, handler: EventHandler): Subscription {
    return this.subscriptions.subscribe(after, handler);
  }

  async claim(name: string, holder: string, ttlMs: number): Promise<boolean> {
    await this.ready();
    // One statement, by the database's clock: the row is taken only when absent or run out.
    const { rowCount } = await this.pool.query(
      `INSERT INTO switchboard_leases (name, holder, until) VALUES ($1, $2, clock_timestamp() + $3 * interval '1 millisecond')
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
       WHERE switchboard_leases.until <= clock_timestamp()`,
      [name, holder, ttlMs],
    );
    return rowCount === 1;
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.subscriptions.close();
    await this.pool.end();
  }

  private async page(after: bigint): Promise<RecordedEvent[]> {
    await this.ready();
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${COLUMNS} FROM switchboard_events WHERE position > $1 ORDER BY position LIMIT ${PAGE_SIZE}`,
      [after.toString()],
    );
    return rows.map(toRecorded);
  }

  private async currentState(stream: string): Promise<AppendResult> {
    await this.ready();
    const { rows } = await this.pool.query<{ revision: number; position: string }>(
      'SELECT revision, position FROM switchboard_events WHERE stream = $1 ORDER BY revision DESC LIMIT 1',
      [stream],
    );
    const last = rows[0];
    return nothingAppended(last && { revision: last.revision, position: BigInt(last.position) });
  }

  private async head(): Promise<bigint> {
    await this.ready();
    const { rows } = await this.pool.query<{ head: string }>('SELECT COALESCE(MAX(position), 0)::text AS head FROM switchboard_events');
    return BigInt(rows[0].head);
  }
}

/**
 * How a PostgreSQL store notices appends by other replicas: a connection of its own that LISTENs
 * (reopened a moment after it drops), and a poll of the newest position as the fallback for the
 * time no connection listens.
 */
class ListenAndPoll implements AppendWatch {
  private listener: Client | undefined;
  private relisten: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly poll: HeadPoll,
    private readonly wake: () => void,
  ) {}

  start(): void {
    if (this.poll.running) return;
    this.poll.start();
    void this.listen();
  }

  stop(): void {
    this.poll.stop();
    clearTimeout(this.relisten);
    this.relisten = undefined;
    const listener = this.listener;
    this.listener = undefined;
    void listener?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    if (!this.poll.running) return;
    const listener = new Client({ connectionString: this.url, keepAlive: true });
    this.listener = listener;
    const reopen = () => {
      if (this.listener !== listener) return;
      this.listener = undefined;
      void listener.end().catch(() => undefined);
      if (!this.poll.running) return;
      this.relisten = setTimeout(() => void this.listen(), RELISTEN_DELAY_MS);
      this.relisten.unref();
    };
    listener.on('notification', this.wake);
    listener.on('error', reopen);
    listener.on('end', reopen);
    try {
      await listener.connect();
      await listener.query(`LISTEN ${NOTIFY_CHANNEL}`);
      // Anything appended while no one listened is read now, not at the next poll.
      this.wake();
    } catch {
      reopen();
    }
  }
}

function toExpected(expected: ExpectedRevision): number {
  if (expected === 'any') return ANY_REVISION;
  if (expected === 'no_stream') return NO_STREAM_REVISION;
  return expected;
}

function toRecorded(row: EventRow): RecordedEvent {
  return {
    stream: row.stream,
    type: row.type,
    data: row.data,
    revision: row.revision,
    position: BigInt(row.position),
    at: row.at.toISOString(),
  };
}
