import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InMemoryResponseStore } from './in-memory/in-memory-response-store';
import type { ResponseStore, ResponseStoreLimits } from './response-store';
import { SqliteResponseStore } from './sqlite/sqlite-response-store';

const POSTGRES_SCHEMES = /^(postgres|postgresql):\/\//;

/**
 * The response store beside the event store `EVENT_STORE_URL` names: the same SQLite file (a
 * `responses` table) by default, the same PostgreSQL database for `postgres://`, memory for
 * `memory:`. EventStoreDB gets a SQLite file of its own under the data directory, shared only by
 * processes on that disk: the choice and its reason are logged by the caller.
 */
export function createResponseStore(
  url: string | undefined,
  limits: ResponseStoreLimits,
  dataDir = 'data',
): { store: ResponseStore; shared: boolean } {
  const value = url?.trim() ?? '';
  if (value === '') return { store: new SqliteResponseStore(join(dataDir, 'events.db'), limits), shared: true };
  if (value === 'memory:') return { store: new InMemoryResponseStore(limits), shared: false };
  if (POSTGRES_SCHEMES.test(value)) return { store: new (loadPostgres().PostgresResponseStore)(value, limits), shared: true };
  const path = value.startsWith('file://') ? fileURLToPath(value) : /^(?:sqlite|file):(?:\/\/)?(.+)$/.exec(value)?.[1];
  if (path) return { store: new SqliteResponseStore(path, limits), shared: true };
  return { store: new SqliteResponseStore(join(dataDir, 'responses.db'), limits), shared: false };
}

/** The PostgreSQL adapter, loaded only when a URL names one (as the event store's: no `pg` otherwise). */
function loadPostgres(): typeof import('./postgres/postgres-response-store') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./postgres/postgres-response-store') as typeof import('./postgres/postgres-response-store');
}
