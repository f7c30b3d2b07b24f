import { Pool } from 'pg';
import { migratePostgresSchemaOnce, postgresPoolConfig, type PostgresPoolOptions } from '@switchboard/event-store';
import type { ResponseStore, ResponseStoreLimits, StoredResponse } from '../response-store';

/** The same connection settings as the PostgreSQL event store's pool. */
export type PostgresResponseStoreOptions = PostgresPoolOptions;

/** Counting what is kept costs a scan: the count limit is enforced every this many puts. */
const TRIM_EVERY = 100;

interface ResponseRow {
  id: string;
  created_at: string;
  response: Record<string, unknown>;
  input: unknown[];
}

/**
 * Responses in a table of the PostgreSQL event store's database (`postgres://` URL), so every
 * replica on that database answers every other's follow-ups. The table comes from the event
 * store's versioned migrations, applied once on first use.
 */
export class PostgresResponseStore implements ResponseStore {
  private readonly pool: Pool;
  /** Applies the event store's migrations (this table is one of them) once. */
  private readonly ready: () => Promise<void>;
  private puts = 0;
  private closed = false;

  constructor(
    url: string,
    private readonly limits: ResponseStoreLimits,
    opts: PostgresResponseStoreOptions = {},
  ) {
    this.pool = new Pool(postgresPoolConfig(url, opts));
    this.ready = migratePostgresSchemaOnce(this.pool);
    // An idle connection dropped by the server (restart, failover) is replaced on next use;
    // without a listener the pool's 'error' event would end the process.
    this.pool.on('error', () => undefined);
  }

  async put(record: StoredResponse, nowMs: number): Promise<void> {
    await this.ready();
    await this.pool.query(
      `INSERT INTO switchboard_responses (id, created_at, response, input) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO UPDATE SET created_at = excluded.created_at, response = excluded.response, input = excluded.input`,
      [record.id, record.createdAtMs, JSON.stringify(record.response), JSON.stringify(record.input)],
    );
    await this.pool.query('DELETE FROM switchboard_responses WHERE created_at < $1', [nowMs - this.limits.retentionMs]);
    if (++this.puts % TRIM_EVERY === 1 || this.limits.maxStored < TRIM_EVERY) {
      await this.pool.query(
        'DELETE FROM switchboard_responses WHERE id IN (SELECT id FROM switchboard_responses ORDER BY created_at DESC, id OFFSET $1)',
        [this.limits.maxStored],
      );
    }
  }

  async get(id: string, nowMs: number): Promise<StoredResponse | undefined> {
    await this.ready();
    const { rows } = await this.pool.query<ResponseRow>(
      'SELECT id, created_at, response, input FROM switchboard_responses WHERE id = $1 AND created_at >= $2',
      [id, nowMs - this.limits.retentionMs],
    );
    const row = rows[0];
    if (!row) return undefined;
    return { id: row.id, createdAtMs: Number(row.created_at), response: row.response, input: row.input };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
