import { spawnSync } from 'node:child_process';
import { describeWithService } from './describe-with-service';
import { createScratchDatabase, redactedUrl, type ScratchDatabase } from './postgres-server';

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
  describeWithService('PostgreSQL', redactedUrl(POSTGRES_URL), reachable, name, body);
}

/** A database of its own for one test run. */
export type TestDatabase = ScratchDatabase;

/** A database of its own for one test run, on the shared server: created empty, dropped afterwards. */
export function createTestDatabase(): Promise<TestDatabase> {
  return createScratchDatabase(POSTGRES_URL, 'switchboard_test');
}
