import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/**
 * A PostgreSQL server as the specs and the event store bench use it: a scratch database of their
 * own, and the server's URL as it may be printed. Plain `pg`, no test framework: the bench imports it.
 */

/** A database of its own on a server: created empty, dropped afterwards. */
export interface ScratchDatabase {
  /** A `postgres://` URL naming the new, empty database. */
  url: string;
  /** Drops the database, disconnecting whoever is still on it. */
  drop(): Promise<void>;
}

/** Creates `<prefix>_<random>` on the server at `serverUrl`; rejects when the server does not answer. */
export async function createScratchDatabase(serverUrl: string, prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await onServer(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => onServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** The URL with its password masked: what a skip message or a report may show. */
export function redactedUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

async function onServer(serverUrl: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
