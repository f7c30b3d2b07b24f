import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeResponseStoreContract } from '../contract/response-store.contract';
import { SqliteResponseStore } from './sqlite-response-store';

const dir = mkdtempSync(join(tmpdir(), 'switchboard-responses-'));
let files = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeResponseStoreContract('SqliteResponseStore', (limits) => new SqliteResponseStore(join(dir, `events-${files++}.db`), limits));

describe('SqliteResponseStore on a file another process shares', () => {
  it('answers from a second connection on the same file, as a second replica would', async () => {
    const file = join(dir, 'shared.db');
    const limits = { retentionMs: 3_600_000, maxStored: 100 };
    const [one, two] = [new SqliteResponseStore(file, limits), new SqliteResponseStore(file, limits)];
    const now = Date.now();
    await one.put({ id: 'resp_shared', createdAtMs: now, response: { object: 'response' }, input: [] }, now);
    expect(await two.get('resp_shared', now)).toMatchObject({ id: 'resp_shared' });
    await Promise.all([one.close(), two.close()]);
  });
});
