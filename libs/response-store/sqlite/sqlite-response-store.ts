import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ResponseStore, ResponseStoreLimits, StoredResponse } from '../response-store';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS responses (
    id         TEXT    PRIMARY KEY,
    created_at INTEGER NOT NULL,
    response   TEXT    NOT NULL,
    input      TEXT    NOT NULL
  );
  CREATE INDEX IF NOT EXISTS responses_by_age ON responses (created_at)`;

/** Counting what is kept costs a scan: the count limit is enforced every this many puts. */
const TRIM_EVERY = 100;

/**
 * Responses in a table of the embedded store's SQLite file (WAL, several processes), so gateway
 * replicas on one file answer each other's follow-ups.
 */
export class SqliteResponseStore implements ResponseStore {
  private readonly db: Database.Database;
  private readonly upsert: Database.Statement<[string, number, string, string]>;
  private readonly select: Database.Statement<[string, number]>;
  private readonly expire: Database.Statement<[number]>;
  private readonly trim: Database.Statement<[number]>;
  private puts = 0;

  constructor(
    file: string,
    private readonly limits: ResponseStoreLimits,
  ) {
    const path = resolve(file);
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.upsert = this.db.prepare('INSERT OR REPLACE INTO responses (id, created_at, response, input) VALUES (?, ?, ?, ?)');
    this.select = this.db.prepare('SELECT id, created_at, response, input FROM responses WHERE id = ? AND created_at >= ?');
    this.expire = this.db.prepare('DELETE FROM responses WHERE created_at < ?');
    this.trim = this.db.prepare('DELETE FROM responses WHERE id IN (SELECT id FROM responses ORDER BY created_at DESC LIMIT -1 OFFSET ?)');
  }

  put(record: StoredResponse, nowMs: number): Promise<void> {
    this.upsert.run(record.id, record.createdAtMs, JSON.stringify(record.response), JSON.stringify(record.input));
    this.expire.run(nowMs - this.limits.retentionMs);
    if (++this.puts % TRIM_EVERY === 1 || this.limits.maxStored < TRIM_EVERY) this.trim.run(this.limits.maxStored);
    return Promise.resolve();
  }

  get(id: string, nowMs: number): Promise<StoredResponse | undefined> {
    const row = this.select.get(id, nowMs - this.limits.retentionMs) as
      { id: string; created_at: number; response: string; input: string } | undefined;
    if (!row) return Promise.resolve(undefined);
    return Promise.resolve({
      id: row.id,
      createdAtMs: row.created_at,
      response: JSON.parse(row.response) as Record<string, unknown>,
      input: JSON.parse(row.input) as unknown[],
    });
  }

  close(): Promise<void> {
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }
}
