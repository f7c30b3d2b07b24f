import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
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
import { NO_STREAM_REVISION, appended, nothingAppended, revisionMismatch } from '../expected-revision';
import { HeadPoll, PagedSubscriptions, readAllPages } from '../paged-subscription';

export interface SqliteEventStoreOptions {
  /** How often subscriptions look for events appended by other processes (default 150 ms). */
  pollIntervalMs?: number;
  /** How long a writer waits for another process's write lock before failing (default 5000 ms). */
  busyTimeoutMs?: number;
}

const PAGE_SIZE = 1000;
/** `readAll` pages: small, so a reader that yields between events is never held long by one read. */
const READ_ALL_PAGE_SIZE = 200;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    stream   TEXT    NOT NULL,
    revision INTEGER NOT NULL,
    type     TEXT    NOT NULL,
    data     TEXT    NOT NULL,
    at       TEXT    NOT NULL,
    UNIQUE (stream, revision)
  );
  CREATE TABLE IF NOT EXISTS leases (
    name   TEXT    PRIMARY KEY,
    holder TEXT    NOT NULL,
    until  INTEGER NOT NULL
  )`;

type Row = [position: bigint, stream: string, revision: bigint, type: string, data: string, at: string];

const COLUMNS = 'position, stream, revision, type, data, at';

/**
 * Stores in this process, by file: an append wakes the subscriptions of every store on the same
 * file at once, so only other processes' appends wait for a poll.
 */
const storesByFile = new Map<string, Set<SqliteEventStore>>();

/**
 * The embedded event store: one SQLite file in WAL mode, safe for several processes.
 * Positions come from an AUTOINCREMENT key assigned under SQLite's single write lock, so they
 * are committed in order and a poll for `position > checkpoint` never skips an event.
 */
export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly file: string;
  private readonly subscriptions: PagedSubscriptions;

  private readonly currentRevisionStmt: Database.Statement<[string]>;
  private readonly lastEventStmt: Database.Statement<[string]>;
  private readonly insertStmt: Database.Statement<[string, number, string, string, string]>;
  private readonly streamStmt: Database.Statement<[string]>;
  private readonly streamPageStmt: Database.Statement<[string, number, number]>;
  private readonly pageStmt: Database.Statement<[bigint, number]>;
  private readonly headStmt: Database.Statement<[]>;
  private readonly claimStmt: Database.Statement<[string, string, number, number]>;
  private readonly appendTx: (stream: string, events: NewEvent[], expected: ExpectedRevision) => AppendResult;

  constructor(path: string, opts: SqliteEventStoreOptions = {}) {
    this.file = resolve(path);
    mkdirSync(dirname(this.file), { recursive: true });

    this.db = new Database(this.file);
    this.db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
    this.db.pragma('journal_mode = WAL');
    // FULL: an acknowledged append survives a power loss, not only a process crash.
    this.db.pragma('synchronous = FULL');
    this.db.exec(SCHEMA);

    this.currentRevisionStmt = this.db.prepare('SELECT MAX(revision) FROM events WHERE stream = ?').pluck().safeIntegers(false);
    this.lastEventStmt = this.db
      .prepare('SELECT revision, position FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1')
      .raw()
      .safeIntegers();
    this.insertStmt = this.db.prepare('INSERT INTO events (stream, revision, type, data, at) VALUES (?, ?, ?, ?, ?)').safeIntegers();
    this.streamStmt = this.db.prepare(`SELECT ${COLUMNS} FROM events WHERE stream = ? ORDER BY revision`).raw().safeIntegers();
    this.streamPageStmt = this.db
      .prepare(`SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision > ? ORDER BY revision LIMIT ?`)
      .raw()
      .safeIntegers();
    this.pageStmt = this.db.prepare(`SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`).raw().safeIntegers();
    this.headStmt = this.db.prepare('SELECT COALESCE(MAX(position), 0) FROM events').pluck().safeIntegers();
    // One statement under SQLite's write lock: the row is taken only when absent or run out.
    this.claimStmt = this.db.prepare(
      `INSERT INTO leases (name, holder, until) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until WHERE leases.until <= ?`,
    );
    this.appendTx = this.db.transaction(this.appendInTransaction.bind(this)).immediate;
    // Other processes' appends on the same file are noticed by polling its newest position.
    const poll = new HeadPoll(
      () => (this.db.open ? (this.headStmt.get() as bigint) : undefined),
      opts.pollIntervalMs ?? 150,
      () => this.subscriptions.wake(),
    );
    this.subscriptions = new PagedSubscriptions((from) => this.page(from), poll);

    const stores = storesByFile.get(this.file) ?? new Set();
    stores.add(this);
    storesByFile.set(this.file, stores);
  }

  async append(stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    if (events.length === 0) return this.currentState(stream);
    let result: AppendResult;
    try {
      result = this.appendTx(stream, events, expected);
    } catch (error) {
      // Another connection won the race between our check and our insert.
      if (isUniqueViolation(error)) throw revisionMismatch(stream, expected, this.currentRevision(stream)) ?? error;
      throw error;
    }
    for (const store of storesByFile.get(this.file) ?? []) store.subscriptions.wake();
    return result;
  }

  async readStream(stream: string, page?: StreamPage): Promise<RecordedEvent[]> {
    const rows = page ? this.streamPageStmt.all(stream, page.after ?? -1, page.limit) : this.streamStmt.all(stream);
    return (rows as Row[]).map(toRecorded);
  }

  readAll(after = 0n): AsyncIterable<RecordedEvent> {
    return readAllPages((from) => this.page(from, READ_ALL_PAGE_SIZE), after);
  }

  subscribeToAll(after: bigint | undefined, handler: EventHandler): Subscription {
    return this.subscriptions.subscribe(after, handler);
  }

  async claim(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    return this.claimStmt.run(name, holder, now + ttlMs, now).changes === 1;
  }

  async ping(): Promise<void> {
    this.headStmt.get();
  }

  async close(): Promise<void> {
    await this.subscriptions.close();
    storesByFile.get(this.file)?.delete(this);
    if (storesByFile.get(this.file)?.size === 0) storesByFile.delete(this.file);
    if (this.db.open) this.db.close();
  }

  private appendInTransaction(stream: string, events: NewEvent[], expected: ExpectedRevision): AppendResult {
    const current = this.currentRevision(stream);
    const mismatch = revisionMismatch(stream, expected, current);
    if (mismatch) throw mismatch;
    const at = new Date().toISOString();
    const recorded = events.map((event, i): RecordedEvent => {
      const revision = current + 1 + i;
      const data = JSON.stringify(event.data);
      const { lastInsertRowid } = this.insertStmt.run(stream, revision, event.type, data, at);
      return { stream, type: event.type, data: JSON.parse(data), revision, position: BigInt(lastInsertRowid), at };
    });
    return appended(recorded);
  }

  private currentRevision(stream: string): number {
    const revision = this.currentRevisionStmt.get(stream) as number | null;
    return revision ?? NO_STREAM_REVISION;
  }

  private currentState(stream: string): AppendResult {
    const last = this.lastEventStmt.get(stream) as [bigint, bigint] | undefined;
    return nothingAppended(last && { revision: Number(last[0]), position: last[1] });
  }

  private page(after: bigint, size = PAGE_SIZE): RecordedEvent[] {
    return (this.pageStmt.all(after, size) as Row[]).map(toRecorded);
  }
}

function toRecorded([position, stream, revision, type, data, at]: Row): RecordedEvent {
  return { stream, type, data: JSON.parse(data), revision: Number(revision), position, at };
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_UNIQUE';
}
