import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { describeWithService } from './describe-with-service';

/** The PostgreSQL that tests create their databases on (a server, not a database of ours). */
export const POSTGRES_URL = process.env.POSTGRES_TEST_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

/** Whether PostgreSQL answers at POSTGRES_URL (checked synchronously, as `describe` must decide at once). */
function postgresReachable(): boolean {
  const probe =
    `const { Client } = require(${JSON.stringify(require.resolve('pg'))});` +
    `const c = new Client({ connectionString: ${JSON.stringify(POSTGRES_URL)}, connectionTimeoutMillis: 3000 });` +
    `c.connect().then(() => c.query('SELECT 1')).then(() => process.exit(0), () => process.exit(1));`;
  return spawnSync(process.execPath, ['-e', probe], { timeout: 5000 }).status === 0;
}

const reachable = postgresReachable();

/** `describe` for suites that need the real PostgreSQL (skipped when absent, failing under CI=true). */
export function describeWithPostgres(name: string, body: () => void): void {
  describeWithService('PostgreSQL', redacted(POSTGRES_URL), reachable, name, body);
}

export interface TestDatabase {
  /** A `postgres://` URL naming the new, empty database. */
  url: string;
  /** Drops the database, disconnecting whoever is still on it. */
  drop(): Promise<void>;
}

/** A database of its own for one test run, on the shared server: created empty, dropped afterwards. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `switchboard_test_${randomBytes(6).toString('hex')}`;
  await onServer(`CREATE DATABASE ${name}`);
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function onServer(sql: string): Promise<void> {
  const client = new Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function redacted(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
