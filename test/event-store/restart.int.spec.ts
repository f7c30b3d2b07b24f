import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@switchboard/event-store';
import { waitFor } from '../support/eventually';
import { spawnAppender } from './fixtures/spawn-appender';

jest.setTimeout(90_000);

describe('SqliteEventStore after its writer is killed (SIGKILL) mid-stream', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-restart-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every acknowledged append, never half a batch, and still accepts appends', async () => {
    const file = join(dir, 'nested', 'events.db');
    const streams = ['apikey-k1', 'apikey-k2'];
    const writer = spawnAppender({ file, writer: 'doomed', streams, count: null, batch: 3 });

    await waitFor('30 acknowledged appends', () => writer.acks.length >= 30, 20_000);
    writer.child.kill('SIGKILL');
    const exit = await writer.exited;
    expect(exit.signal).toBe('SIGKILL');
    const acknowledged = [...writer.acks];

    const store = new SqliteEventStore(file);
    try {
      for (const stream of streams) {
        const events = await store.readStream(stream);
        // Appends are atomic: a batch of 3 is all there or not at all.
        expect(events.length % 3).toBe(0);
        expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => i));
        for (const ack of acknowledged.filter((a) => a.stream === stream)) {
          const batch = events.slice(ack.revision - 2, ack.revision + 1).map((e) => e.data);
          expect(batch).toEqual([0, 1, 2].map((part) => ({ writer: 'doomed', seq: ack.seq, part })));
        }
      }

      const [last] = (await store.readStream('apikey-k1')).slice(-1);
      const next = await store.append('apikey-k1', [{ type: 'KeyRetired', data: { reason: 'after restart' } }], last.revision);
      expect(next.nextRevision).toBe(last.revision + 1);
      let total = 0;
      for await (const _ of store.readAll()) total++;
      expect(total).toBeGreaterThanOrEqual(acknowledged.length * 3 + 1);
    } finally {
      await store.close();
    }
  });
});
