import { randomUUID } from 'node:crypto';
import { ConcurrencyError, EventStore, NewEvent, RecordedEvent, Subscription } from '../event-store';
import { eventually, waitFor } from '../../../test/support/eventually';

export interface EventStoreContractOptions {
  /** When set, the suite is reported as skipped with this reason in its name. */
  skip?: string;
}

/**
 * The behaviour every EventStore adapter promises. Streams get unique names per test, and global
 * reads only look at those streams, so the suite also runs against a shared, non-empty server.
 */
export function describeEventStoreContract(
  name: string,
  makeStore: () => Promise<EventStore> | EventStore,
  opts: EventStoreContractOptions = {},
): void {
  // Skipped, every test of the contract is listed as such, with why in the suite's name.
  const suite = opts.skip ? describe.skip : describe;
  suite(`${name} event store contract${opts.skip ? ` (skipped because ${opts.skip})` : ''}`, () => {
    let store: EventStore;
    const subscriptions: Subscription[] = [];
    const stream = (category = 'contract') => `${category}-${randomUUID()}`;
    /** A real position just before the test's events (an adapter may accept only positions it issued). */
    const checkpointNow = async () => (await store.append(stream('marker'), [registered('marker')], 'no_stream')).position;
    /**
     * Proving that a subscription delivers nothing more (no repeat, nothing after a failure or a
     * close) by waiting for a marker appended after everything else: a store delivers in position
     * order, so what it would deliver wrongly has been delivered before `delivered` sees the marker.
     */
    const markerDelivered = async (delivered: ReadonlySet<string>) => {
      const marker = stream('marker');
      await store.append(marker, [registered('marker')], 'no_stream');
      await waitFor('the marker delivered', () => delivered.has(marker));
    };
    const subscribe = (after: bigint | undefined, handler: (event: RecordedEvent) => void | Promise<void>) => {
      const subscription = store.subscribeToAll(after, handler);
      subscriptions.push(subscription);
      return subscription;
    };

    beforeEach(async () => {
      store = await makeStore();
    });

    afterEach(async () => {
      await Promise.all(subscriptions.splice(0).map((subscription) => subscription.close()));
      await store.close();
    });

    describe('append and readStream', () => {
      it('reads back what was appended, with its stream, type, data and revisions 0..n', async () => {
        const s = stream();
        const result = await store.append(s, [registered('a'), quarantined(429)], 'no_stream');

        const events = await store.readStream(s);
        expect(events.map(({ stream, type, data, revision }) => ({ stream, type, data, revision }))).toEqual([
          { stream: s, type: 'KeyRegistered', data: { provider: 'a' }, revision: 0 },
          { stream: s, type: 'KeyQuarantined', data: { status: 429 }, revision: 1 },
        ]);
        expect(result.nextRevision).toBe(1);
        expect(result.recorded).toEqual(events);
        expect(result.position).toBe(events[1].position);
      });

      it('continues revisions across appends made with the exact expected revision', async () => {
        const s = stream();
        await store.append(s, [registered('a')], 'no_stream');
        await store.append(s, [quarantined(429), restored()], 0);
        const third = await store.append(s, [quarantined(500)], 2);

        expect(third.nextRevision).toBe(3);
        expect((await store.readStream(s)).map((event) => event.revision)).toEqual([0, 1, 2, 3]);
      });

      it('appends with "any" whether or not the stream exists', async () => {
        const s = stream();
        await store.append(s, [registered('a')], 'any');
        const second = await store.append(s, [restored()], 'any');

        expect(second.nextRevision).toBe(1);
        expect(await store.readStream(s)).toHaveLength(2);
      });

      it('reads a page of a stream: at most `limit` events after revision `after`, oldest first', async () => {
        const s = stream();
        await store.append(
          s,
          Array.from({ length: 7 }, (_, i) => quarantined(500 + i)),
          'no_stream',
        );

        const revisions = async (page: { after?: number; limit: number }) => (await store.readStream(s, page)).map((e) => e.revision);
        expect(await revisions({ limit: 3 })).toEqual([0, 1, 2]);
        expect(await revisions({ after: 2, limit: 3 })).toEqual([3, 4, 5]);
        expect(await revisions({ after: 5, limit: 3 })).toEqual([6]);
        expect(await revisions({ after: 6, limit: 3 })).toEqual([]);
        expect(await store.readStream(stream('unknown'), { limit: 3 })).toEqual([]);
        const [fourth] = await store.readStream(s, { after: 3, limit: 1 });
        expect(fourth).toEqual((await store.readStream(s))[4]);
      });

      it('reads an unknown stream as []', async () => {
        expect(await store.readStream(stream('unknown'))).toEqual([]);
      });

      it('treats an empty append as a no-op that reports the current revision', async () => {
        const s = stream();
        expect((await store.append(s, [], 'any')).nextRevision).toBe(-1);
        await store.append(s, [registered('a'), restored()], 'no_stream');

        const empty = await store.append(s, [], 1);
        expect(empty.nextRevision).toBe(1);
        expect(empty.recorded).toEqual([]);
        expect(await store.readStream(s)).toHaveLength(2);
      });

      it('round-trips JSON data: nested objects, arrays, unicode, null, numbers and booleans', async () => {
        const s = stream();
        const data = {
          reason: 'Rate limit — réessayez 稍后 🚦',
          nested: { deeper: { list: [1, 'two', { three: 3 }], empty: {}, none: null } },
          ratio: 0.125,
          negative: -42,
          flag: false,
          quote: 'he said "hi"\n\ttab\\slash',
        };
        await store.append(s, [{ type: 'ProbeFailed', data }], 'no_stream');

        const [event] = await store.readStream(s);
        expect(event.data).toEqual(data);
      });

      it('records when each event was appended as an ISO 8601 timestamp', async () => {
        const s = stream();
        const before = Date.now();
        const { recorded } = await store.append(s, [registered('a')], 'no_stream');
        const after = Date.now();

        const [event] = await store.readStream(s);
        expect(event.at).toBe(recorded[0].at);
        expect(new Date(event.at).toISOString()).toBe(event.at);
        // A server's clock may drift a little from ours.
        expect(Date.parse(event.at)).toBeGreaterThanOrEqual(before - 60_000);
        expect(Date.parse(event.at)).toBeLessThanOrEqual(after + 60_000);
      });
    });

    describe('optimistic concurrency', () => {
      it('refuses "no_stream" on a stream that exists, naming stream, expected and actual', async () => {
        const s = stream();
        await store.append(s, [registered('a')], 'no_stream');

        const error = await store.append(s, [registered('b')], 'no_stream').catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConcurrencyError);
        expect(error).toMatchObject({ stream: s, expected: 'no_stream', actual: 0, code: 'WRONG_EXPECTED_REVISION' });
        expect(await store.readStream(s)).toHaveLength(1);
      });

      it('refuses a stale expected revision and leaves the stream untouched', async () => {
        const s = stream();
        await store.append(s, [registered('a'), quarantined(429), restored()], 'no_stream');

        const error = await store.append(s, [quarantined(500)], 0).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConcurrencyError);
        expect(error).toMatchObject({ stream: s, expected: 0, actual: 2 });
        expect((await store.readStream(s)).map((event) => event.type)).toEqual(['KeyRegistered', 'KeyQuarantined', 'KeyRestored']);
      });

      it('refuses an expected revision on a stream that does not exist', async () => {
        const s = stream();
        const error = await store.append(s, [registered('a')], 0).catch((e: unknown) => e);

        expect(error).toBeInstanceOf(ConcurrencyError);
        expect(error).toMatchObject({ stream: s, expected: 0, actual: 'no_stream' });
        expect(await store.readStream(s)).toEqual([]);
      });

      it('lets exactly one of 20 concurrent appends expecting the same revision win', async () => {
        const s = stream();
        await store.append(s, [registered('a')], 'no_stream');

        const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => store.append(s, [quarantined(500 + i)], 0)));
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(19);
        for (const { reason } of lost) expect(reason).toBeInstanceOf(ConcurrencyError);
        expect((await store.readStream(s)).map((event) => event.revision)).toEqual([0, 1]);
      });
    });

    describe('global order and readAll', () => {
      it('gives strictly increasing positions across streams, in append order', async () => {
        const [a, b] = [stream(), stream()];
        const first = await store.append(a, [registered('a')], 'no_stream');
        const second = await store.append(b, [registered('b'), restored()], 'no_stream');
        const third = await store.append(a, [restored()], 0);

        const positions = [...first.recorded, ...second.recorded, ...third.recorded].map((event) => event.position);
        for (let i = 1; i < positions.length; i++) expect(positions[i]).toBeGreaterThan(positions[i - 1]);
        for (const position of positions) expect(typeof position).toBe('bigint');
      });

      it('reads every event after a checkpoint, in global order, and nothing at or before it', async () => {
        const [a, b] = [stream(), stream()];
        const { recorded: early } = await store.append(a, [registered('a')], 'no_stream');
        await store.append(b, [registered('b')], 'no_stream');
        await store.append(a, [restored()], 0);
        await store.append(b, [quarantined(429)], 0);

        const ours = await collect(store.readAll(early[0].position), [a, b]);
        expect(ours.map((event) => [event.stream, event.revision])).toEqual([
          [b, 0],
          [a, 1],
          [b, 1],
        ]);
        const all = await collect(store.readAll(), [a, b]);
        expect(all).toHaveLength(4);
        expect(all[0]).toEqual(early[0]);
      });
    });

    describe('claim (leases)', () => {
      const lease = () => `contract-${randomUUID()}`;

      it('grants a free lease and refuses it to anyone, its holder too, while it runs', async () => {
        const name = lease();
        expect(await store.claim(name, 'keeper-a', 60_000)).toBe(true);
        expect(await store.claim(name, 'keeper-b', 60_000)).toBe(false);
        expect(await store.claim(name, 'keeper-a', 60_000)).toBe(false);
      });

      it('grants it again once it has run out', async () => {
        const name = lease();
        expect(await store.claim(name, 'keeper-a', 100)).toBe(true);
        // A refused claim leaves the lease as it was, so asking until it is granted waits it out.
        expect(await eventually(() => store.claim(name, 'keeper-b', 60_000), Boolean, 5_000)).toBe(true);
        expect(await store.claim(name, 'keeper-a', 60_000)).toBe(false);
      });

      it('keeps leases of different names apart', async () => {
        const [one, two] = [lease(), lease()];
        expect(await store.claim(one, 'keeper-a', 60_000)).toBe(true);
        expect(await store.claim(two, 'keeper-b', 60_000)).toBe(true);
      });

      it('grants one of 20 concurrent claims of one free lease', async () => {
        const name = lease();
        const granted = await Promise.all(Array.from({ length: 20 }, (_, i) => store.claim(name, `keeper-${i}`, 60_000)));
        expect(granted.filter(Boolean)).toHaveLength(1);
      });

      it('appends no event: a lease is not a fact for readers', async () => {
        const before = await checkpointNow();
        await store.claim(lease(), 'keeper-a', 60_000);
        const after = await checkpointNow();
        const between: RecordedEvent[] = [];
        for await (const event of store.readAll(before)) if (event.position < after) between.push(event);
        expect(between).toEqual([]);
      });
    });

    describe('subscribeToAll', () => {
      it('delivers existing events (catch-up) and then new ones (live), in order, each once', async () => {
        const s = stream();
        const checkpoint = await checkpointNow();
        const { recorded } = await store.append(s, [registered('a'), quarantined(429)], 'no_stream');
        const seen: RecordedEvent[] = [];
        const delivered = new Set<string>();

        const subscription = subscribe(checkpoint, (event) => {
          delivered.add(event.stream);
          if (event.stream === s) seen.push(event);
        });
        await subscription.caughtUp;
        expect(seen.map((event) => event.revision)).toEqual([0, 1]);

        await store.append(s, [restored()], 1);
        await store.append(s, [quarantined(500)], 2);
        await waitFor('4 events delivered', () => seen.length >= 4);
        await markerDelivered(delivered);
        expect(seen.map((event) => event.revision)).toEqual([0, 1, 2, 3]);
        expect(seen[0]).toEqual(recorded[0]);
      });

      it('starts after the given checkpoint', async () => {
        const s = stream();
        const { recorded } = await store.append(s, [registered('a'), quarantined(429), restored()], 'no_stream');
        const seen: number[] = [];

        const subscription = subscribe(recorded[1].position, (event) => {
          if (event.stream === s) seen.push(event.revision);
        });
        await subscription.caughtUp;
        expect(seen).toEqual([2]);
      });

      it('resolves caughtUp only after every event that existed at the start was handled', async () => {
        const s = stream();
        const checkpoint = await checkpointNow();
        await store.append(
          s,
          Array.from({ length: 25 }, (_, i) => quarantined(500 + i)),
          'no_stream',
        );
        let handled = 0;

        const subscription = subscribe(checkpoint, async (event) => {
          await new Promise((resolve) => setImmediate(resolve));
          if (event.stream === s) handled++;
        });
        await subscription.caughtUp;
        expect(handled).toBe(25);
      });

      it('awaits each handler before delivering the next event', async () => {
        const s = stream();
        const checkpoint = await checkpointNow();
        await store.append(s, [registered('a'), restored()], 'no_stream');
        let running = 0;
        let overlapped = false;
        const seen: number[] = [];

        subscribe(checkpoint, async (event) => {
          if (event.stream !== s) return;
          running++;
          overlapped ||= running > 1;
          await new Promise((resolve) => setTimeout(resolve, 20));
          seen.push(event.revision);
          running--;
        });
        await store.append(s, [quarantined(429), restored()], 1);
        await waitFor('4 events delivered', () => seen.length >= 4);
        expect(overlapped).toBe(false);
        expect(seen).toEqual([0, 1, 2, 3]);
      });

      it('rejects caughtUp with the error of a handler that throws during catch-up, and delivers nothing after it', async () => {
        const s = stream();
        const from = await checkpointNow();
        await store.append(s, [registered('a'), quarantined(429), restored()], 'no_stream');
        const seen: number[] = [];

        const subscription = subscribe(from, (event) => {
          if (event.stream !== s) return;
          seen.push(event.revision);
          if (event.revision === 1) throw new Error('projection broke');
        });
        await expect(subscription.caughtUp).rejects.toThrow('projection broke');
        expect(await subscription.failed).toEqual(new Error('projection broke'));
        // The failed one delivers nothing more: a witness from the same checkpoint shows the store did.
        const witnessed = new Set<string>();
        subscribe(from, (event) => void witnessed.add(event.stream));
        await store.append(s, [quarantined(500)], 2);
        await markerDelivered(witnessed);
        expect(seen).toEqual([0, 1]);
      });

      it('resolves failed with the error of a handler that throws after the catch-up, and delivers nothing after it', async () => {
        const s = stream();
        const from = await checkpointNow();
        await store.append(s, [registered('a')], 'no_stream');
        const seen: number[] = [];
        const subscription = subscribe(from, (event) => {
          if (event.stream !== s) return;
          seen.push(event.revision);
          if (event.revision === 1) throw new Error('projection broke live');
        });
        await subscription.caughtUp;

        await store.append(s, [quarantined(429)], 0);
        expect(await subscription.failed).toEqual(new Error('projection broke live'));
        const witnessed = new Set<string>();
        subscribe(from, (event) => void witnessed.add(event.stream));
        await store.append(s, [restored()], 1);
        await markerDelivered(witnessed);
        expect(seen).toEqual([0, 1]);
      });

      it('delivers every event of 8 concurrent writers exactly once, in position order, while they write', async () => {
        // The gap of sequence-numbered stores: a writer that took position n commits after one
        // that took n+1; a reader that already moved past n+1 must still be given n.
        const writers = Array.from({ length: 8 }, () => stream('writer'));
        const appendsPerWriter = 25;
        const from = await checkpointNow();
        const seen: RecordedEvent[] = [];
        const delivered = new Set<string>();
        subscribe(from, (event) => {
          delivered.add(event.stream);
          if (writers.includes(event.stream)) seen.push(event);
        });

        const appended = await Promise.all(
          writers.map(async (s) => {
            const recorded: RecordedEvent[] = [];
            for (let i = 0; i < appendsPerWriter; i++) {
              const result = await store.append(s, [i === 0 ? registered(s) : quarantined(500 + i)], i === 0 ? 'no_stream' : i - 1);
              recorded.push(...result.recorded);
            }
            return recorded;
          }),
        );
        const expected = appended.flat().sort((a, b) => (a.position < b.position ? -1 : 1));
        await waitFor('every event delivered', () => seen.length >= expected.length, 20_000);
        await markerDelivered(delivered);

        expect(seen.map(({ stream, revision, position }) => ({ stream, revision, position }))).toEqual(
          expected.map(({ stream, revision, position }) => ({ stream, revision, position })),
        );
      });

      it('stops delivering once closed', async () => {
        const s = stream();
        const from = await checkpointNow();
        await store.append(s, [registered('a')], 'no_stream');
        const closedSeen: number[] = [];
        const witnessSeen: number[] = [];
        const witnessed = new Set<string>();

        const closed = subscribe(from, (event) => {
          if (event.stream === s) closedSeen.push(event.revision);
        });
        subscribe(from, (event) => {
          witnessed.add(event.stream);
          if (event.stream === s) witnessSeen.push(event.revision);
        });
        await closed.caughtUp;
        await closed.close();
        await store.append(s, [restored()], 0);

        await waitFor("the witness's 2 events", () => witnessSeen.length >= 2);
        await markerDelivered(witnessed);
        expect(closedSeen).toEqual([0]);
      });
    });
  });
}

const registered = (provider: string): NewEvent => ({ type: 'KeyRegistered', data: { provider } });
const quarantined = (status: number): NewEvent => ({ type: 'KeyQuarantined', data: { status } });
const restored = (): NewEvent => ({ type: 'KeyRestored', data: {} });

async function collect(events: AsyncIterable<RecordedEvent>, streams: string[]): Promise<RecordedEvent[]> {
  const ours: RecordedEvent[] = [];
  for await (const event of events) if (streams.includes(event.stream)) ours.push(event);
  return ours;
}
