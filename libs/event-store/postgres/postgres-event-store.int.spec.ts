import { Client } from 'pg';
import { createTestDatabase, describeWithPostgres, TestDatabase } from '../../../test/support/postgres';
import { eventually } from '../../../test/support/eventually';
import { describeEventStoreContract } from '../contract/event-store.contract';
import { RecordedEvent } from '../event-store';
import { MIGRATIONS } from './migrations';
import { PostgresEventStore } from './postgres-event-store';

describeWithPostgres('PostgresEventStore', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await database?.drop();
  });

  describeEventStoreContract('PostgresEventStore', () => new PostgresEventStore(database.url));

  describe('beside the contract', () => {
    let own: TestDatabase;
    const stores: PostgresEventStore[] = [];
    const open = () => {
      const store = new PostgresEventStore(own.url, { pollIntervalMs: 200 });
      stores.push(store);
      return store;
    };
    const sql = async <T extends object>(text: string): Promise<T[]> => {
      const client = new Client({ connectionString: own.url });
      await client.connect();
      try {
        return (await client.query<T>(text)).rows;
      } finally {
        await client.end();
      }
    };

    beforeEach(async () => {
      own = await createTestDatabase();
    });

    afterEach(async () => {
      await Promise.all(stores.splice(0).map((store) => store.close()));
      await own.drop();
    });

    it('creates its schema on first use, records each migration once, even when replicas start together', async () => {
      const replicas = [open(), open(), open()];
      await Promise.all(replicas.map((store, i) => store.append(`apikey-${i}`, [{ type: 'KeyRegistered', data: {} }], 'no_stream')));
      await open().readStream('apikey-0');

      const applied = await sql<{ version: number }>('SELECT version FROM switchboard_migrations ORDER BY version');
      expect(applied.map((row) => row.version)).toEqual(MIGRATIONS.map((migration) => migration.version));
    });

    it("delivers one replica's appends to another's subscription", async () => {
      const [writer, reader] = [open(), open()];
      const seen: RecordedEvent[] = [];
      const subscription = reader.subscribeToAll(undefined, (event) => void seen.push(event));
      await subscription.caughtUp;

      await writer.append('apikey-a', [{ type: 'KeyQuarantined', data: { status: 429 } }], 'no_stream');
      expect(
        (
          await eventually(
            () => seen,
            (events) => events.length === 1,
          )
        ).map((event) => event.stream),
      ).toEqual(['apikey-a']);
    });

    it('keeps delivering after its LISTEN connection is killed, and resumes from a checkpoint after a restart', async () => {
      const [writer, reader] = [open(), open()];
      const seen: RecordedEvent[] = [];
      const subscription = reader.subscribeToAll(undefined, (event) => void seen.push(event));
      await subscription.caughtUp;
      await writer.append('apikey-a', [{ type: 'KeyRegistered', data: {} }], 'no_stream');
      await eventually(
        () => seen.length,
        (n) => n === 1,
      );

      const killed = await sql<{ killed: boolean }>(
        `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'`,
      );
      expect(killed.length).toBeGreaterThan(0);
      await writer.append('apikey-a', [{ type: 'KeyQuarantined', data: { status: 500 } }], 0);
      await eventually(
        () => seen.length,
        (n) => n === 2,
      );
      const checkpoint = seen[1].position;
      await reader.close();

      await writer.append('apikey-a', [{ type: 'KeyRestored', data: {} }], 1);
      const resumed: RecordedEvent[] = [];
      await open().subscribeToAll(checkpoint, (event) => void resumed.push(event)).caughtUp;
      expect(seen.map((event) => event.revision)).toEqual([0, 1]);
      expect(resumed.map((event) => [event.stream, event.revision])).toEqual([['apikey-a', 2]]);
    });
  });
});
