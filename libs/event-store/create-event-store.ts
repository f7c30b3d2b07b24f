import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventStore } from './event-store';
import { InMemoryEventStore } from './in-memory/in-memory-event-store';
import { SqliteEventStore } from './sqlite/sqlite-event-store';

const ESDB_SCHEMES = /^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover|kurrent|kurrent\+discover):\/\//;

const POSTGRES_SCHEMES = /^(postgres|postgresql):\/\//;

const ACCEPTED =
  'empty (SQLite at <dataDir>/events.db), memory:, sqlite:<path>, file:<path>, postgres://, postgresql://, ' +
  'esdb://, esdb+discover://, kurrentdb://, kurrent://';

export interface CreateEventStoreOptions {
  /** Where the default SQLite file lives (default `data`). */
  dataDir?: string;
  /** `memory:` is accepted only when this is `test` (default: `process.env.NODE_ENV`). */
  nodeEnv?: string;
}

/** Chooses the event store adapter named by `EVENT_STORE_URL`. */
export function createEventStore(url: string | undefined, opts: CreateEventStoreOptions = {}): EventStore {
  const value = url?.trim() ?? '';
  if (value === '') return new SqliteEventStore(join(opts.dataDir ?? 'data', 'events.db'));
  if (value === 'memory:') {
    // A store that forgets everything at exit and that no other process sees must not run by mistake.
    if ((opts.nodeEnv ?? process.env.NODE_ENV) !== 'test') {
      throw new Error(
        'EVENT_STORE_URL: memory: keeps events in this process only (lost at exit, unseen by other replicas and the keeper); it is for tests (NODE_ENV=test)',
      );
    }
    return new InMemoryEventStore();
  }
  if (POSTGRES_SCHEMES.test(value)) return new (loadPostgres().PostgresEventStore)(value);
  if (ESDB_SCHEMES.test(value)) return new (loadEsdb().EsdbEventStore)(value);
  const path = sqlitePath(value);
  if (path) return new SqliteEventStore(path);
  throw new Error(`EVENT_STORE_URL: unsupported value "${redact(value)}"; accepted: ${ACCEPTED}`);
}

/**
 * The EventStoreDB adapter, loaded only when a URL names one: its gRPC client costs ~20 MB of memory
 * that the embedded SQLite store never needs. (A static import would load it in every process.)
 */
function loadEsdb(): typeof import('./esdb/esdb-event-store') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./esdb/esdb-event-store') as typeof import('./esdb/esdb-event-store');
}

/** The PostgreSQL adapter, loaded only when a URL names one, for the same reason. */
function loadPostgres(): typeof import('./postgres/postgres-event-store') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./postgres/postgres-event-store') as typeof import('./postgres/postgres-event-store');
}

/** `sqlite:data/x.db`, `sqlite:///abs/x.db`, `file:data/x.db`, `file:///abs/x.db` → the file's path. */
function sqlitePath(url: string): string | undefined {
  if (url.startsWith('file://')) return fileURLToPath(url);
  const match = /^(?:sqlite|file):(?:\/\/)?(.+)$/.exec(url);
  return match?.[1] || undefined;
}

/** A URL may carry a password; the error names only its scheme. */
function redact(url: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url);
  return scheme ? `${scheme[0]}...` : url;
}
