import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordedEvent, SqliteEventStore } from '@switchboard/event-store';
import { waitFor } from '../support/eventually';
import { spawnAppender } from './fixtures/spawn-appender';

jest.setTimeout(90_000);

describe('SqliteEventStore shared by several processes', () => {
  let dir: string;
  let store: SqliteEventStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-sqlite-mp-'));
    store = new SqliteEventStore(join(dir, 'events.db'), { pollIntervalMs: 100 });
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses no append and never duplicates a revision when two processes write the same streams', async () => {
    const streams = ['apikey-shared1', 'apikey-shared2', 'apikey-shared3'];
    const file = join(dir, 'events.db');
    const writers = ['a', 'b'].map((writer) => spawnAppender({ file, writer, streams, count: 120, batch: 2, waitForGo: true, pauseMs: 3 }));
    await Promise.all(writers.map((w) => w.ready));
    for (const w of writers) w.go();

    const exits = await Promise.all(writers.map((w) => w.exited));
    for (const exit of exits) expect(exit).toEqual({ code: 0, signal: null, stderr: '' });

    const byStream = await Promise.all(streams.map((s) => store.readStream(s)));
    for (const events of byStream) expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => i));
    const written = byStream.flat().map((e) => `${e.data.writer}:${e.data.seq}:${e.data.part}`);
    expect(written).toHaveLength(2 * 120 * 2);
    expect(new Set(written).size).toBe(written.length);
    for (const writer of writers) expect(writer.acks).toHaveLength(120);
    // The writers really overlapped in time: each wrote something before the other finished.
    const all = byStream.flat().sort((x, y) => (x.position < y.position ? -1 : 1));
    const span = (writer: string) => all.filter((e) => e.data.writer === writer).map((e) => e.position);
    expect(span('a')[0]).toBeLessThan(span('b').at(-1)!);
    expect(span('b')[0]).toBeLessThan(span('a').at(-1)!);
    // Each batch stayed together: its two events took adjacent revisions.
    for (const events of byStream) {
      for (let i = 0; i < events.length; i += 2) {
        expect(events[i + 1].data).toEqual({ ...events[i].data, part: 1 });
      }
    }
  });

  it('delivers to a subscription in this process the events another process appends, in order, once each', async () => {
    await store.append('provider-local', [{ type: 'ProviderRegistered', data: {} }], 'no_stream');
    const seen: RecordedEvent[] = [];
    const subscription = store.subscribeToAll(undefined, (event) => {
      seen.push(event);
    });
    await subscription.caughtUp;
    expect(seen.map((e) => e.stream)).toEqual(['provider-local']);

    const writer = spawnAppender({ file: join(dir, 'events.db'), writer: 'b', streams: ['apikey-remote'], count: 40 });
    expect((await writer.exited).code).toBe(0);
    // Once each: a marker appended after the writer's events arrives after them, in order; by then
    // a repeat of any of theirs would have been delivered before it.
    await store.append('provider-marker', [{ type: 'ProviderRegistered', data: {} }], 'no_stream');
    await waitFor('the marker seen', () => seen.some((e) => e.stream === 'provider-marker'), 20_000);
    expect(seen.map((e) => e.stream).at(-1)).toBe('provider-marker');
    expect(seen).toHaveLength(42);

    const remote = seen.filter((e) => e.stream === 'apikey-remote');
    expect(remote.map((e) => e.data.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    const positions = seen.map((e) => e.position);
    expect([...positions].sort((x, y) => (x < y ? -1 : 1))).toEqual(positions);
    expect(new Set(positions).size).toBe(positions.length);
    await subscription.close();
  });

  it('refuses a stale append from this process after another process moved the stream on', async () => {
    await store.append('apikey-contested', [{ type: 'KeyRegistered', data: {} }], 'no_stream');
    const writer = spawnAppender({ file: join(dir, 'events.db'), writer: 'b', streams: ['apikey-contested'], count: 3 });
    expect((await writer.exited).code).toBe(0);

    await expect(store.append('apikey-contested', [{ type: 'KeyRetired', data: {} }], 0)).rejects.toMatchObject({
      name: 'ConcurrencyError',
      expected: 0,
      actual: 3,
    });
  });
});
