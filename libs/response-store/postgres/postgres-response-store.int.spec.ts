import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../../../test/support/postgres';
import { describeResponseStoreContract } from '../contract/response-store.contract';
import { PostgresResponseStore } from './postgres-response-store';

describeWithPostgres('PostgresResponseStore', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await database?.drop();
  });

  describeResponseStoreContract('PostgresResponseStore', (limits) => new PostgresResponseStore(database.url, limits));

  it('answers from a second pool on the same database, as a second replica would', async () => {
    const limits = { retentionMs: 3_600_000, maxStored: 100 };
    const [one, two] = [new PostgresResponseStore(database.url, limits), new PostgresResponseStore(database.url, limits)];
    try {
      const now = Date.now();
      await one.put({ id: 'resp_shared', createdAtMs: now, response: { object: 'response', id: 'resp_shared' }, input: [] }, now);
      expect(await two.get('resp_shared', now)).toEqual({
        id: 'resp_shared',
        createdAtMs: now,
        response: { object: 'response', id: 'resp_shared' },
        input: [],
      });
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
});
