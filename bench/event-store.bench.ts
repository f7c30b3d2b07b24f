import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiKeyStream, KeyPoolProjection, ProviderHealthProjection, providerStream } from '@switchboard/domain';
import { createEventStore, SqliteEventStore, type EventStore, type NewEvent } from '@switchboard/event-store';
import { createScratchDatabase, redactedUrl, type ScratchDatabase } from '../test/support/postgres-server';

export interface EventStoreResult {
  /** Which store: `SQLite` or `PostgreSQL`. */
  store: string;
  appendsPerSecond: number;
  rebuildEvents: number;
  rebuildMs: number;
}

/** A store that is not there (PostgreSQL unreachable) is reported with the reason, not measured. */
export interface EventStoreSkipped {
  store: string;
  skipped: string;
}

/** The server the PostgreSQL figures are taken on; a database of its own is created and dropped. */
const POSTGRES_URL = process.env.BENCH_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

/** SQLite (a temp file) and PostgreSQL (a temp database), one after the other. */
export async function benchEventStores(): Promise<Array<EventStoreResult | EventStoreSkipped>> {
  const results: Array<EventStoreResult | EventStoreSkipped> = [];
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-store-'));
  try {
    results.push({ store: 'SQLite', ...(await benchEventStore(new SqliteEventStore(join(dir, 'events.db')))) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  let database: ScratchDatabase;
  try {
    database = await createScratchDatabase(POSTGRES_URL, 'switchboard_bench');
  } catch (error) {
    results.push({ store: 'PostgreSQL', skipped: `unreachable at ${redactedUrl(POSTGRES_URL)} (${(error as Error).message})` });
    return results;
  }
  try {
    results.push({ store: 'PostgreSQL', ...(await benchEventStore(createEventStore(database.url))) });
  } finally {
    await database.drop();
  }
  return results;
}

/**
 * The store is off the hot path (success appends nothing), but two figures still matter:
 * how many state changes per second it can record during an outage, and how fast a fresh
 * replica rebuilds its projections from the whole history.
 */
export async function benchEventStore(
  store: EventStore,
  rebuildEvents = 100_000,
  appendCount = 2_000,
): Promise<Omit<EventStoreResult, 'store'>> {
  try {
    // Durable single-event appends, each with its expected revision, as commands do them.
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < appendCount; i++) {
      await store.append(apiKeyStream(`append${i.toString(16).padStart(10, '0')}`), [registered(i)], 'no_stream');
    }
    const appendsPerSecond = appendCount / (Number(process.hrtime.bigint() - t0) / 1e9);

    // A history of `rebuildEvents`: 1,000 keys cycling through quarantines and restores.
    const keys = 1_000;
    let written = appendCount;
    for (let k = 0; k < keys && written < rebuildEvents; k++) {
      const stream = apiKeyStream(`k${k.toString(16).padStart(15, '0')}`);
      const perKey = Math.ceil((rebuildEvents - written) / (keys - k));
      const batch: NewEvent[] = [registered(k, `k${k.toString(16).padStart(15, '0')}`)];
      for (let i = 1; i < perKey; i++) batch.push(i % 2 ? quarantined(k) : restored(k));
      await store.append(stream, batch, 'no_stream');
      written += batch.length;
    }
    await store.append(providerStream('bench'), [{ type: 'ProviderRegistered', data: { name: 'bench', providerType: 'openai' } }], 'any');
    written += 1;

    const t1 = process.hrtime.bigint();
    const pool = new KeyPoolProjection();
    const health = new ProviderHealthProjection();
    for await (const event of store.readAll()) {
      pool.apply(event);
      health.apply(event);
    }
    const rebuildMs = Number(process.hrtime.bigint() - t1) / 1e6;
    return { appendsPerSecond, rebuildEvents: written, rebuildMs };
  } finally {
    await store.close();
  }
}

const registered = (i: number, fp = `append${i.toString(16).padStart(10, '0')}`): NewEvent => ({
  type: 'KeyRegistered',
  data: { fingerprint: fp, provider: `p${i % 4}` },
});
const quarantined = (k: number): NewEvent => ({
  type: 'KeyQuarantined',
  data: {
    fingerprint: `k${k.toString(16).padStart(15, '0')}`,
    reason: 'upstream_error',
    status: 503,
    until: '2030-01-01T00:00:00.000Z',
  },
});
const restored = (k: number): NewEvent => ({
  type: 'KeyRestored',
  data: { fingerprint: `k${k.toString(16).padStart(15, '0')}`, reason: 'deadline_passed' },
});

// The store figures alone, without the HTTP rounds: `node dist/bench/event-store.bench.js`.
if (require.main === module) {
  void benchEventStores().then((results) => console.log(results));
}
