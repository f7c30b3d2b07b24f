import { ClientKeysProjection, fingerprint, KeyPoolProjection, ProviderHealthProjection } from '@switchboard/domain';
import { InMemoryEventStore, type EventStore } from '@switchboard/event-store';
import { eventually } from '../../../test/support/eventually';
import { SYSTEM_CLOCK } from '../tokens';
import { DomainWriter } from './domain-writer';
import type { ProjectionFeed } from './projection-feed';

const fp = fingerprint('sk-replica-gap-0000000000000001');
const now = '2025-01-01T12:00:00.000Z';
const inAnHour = '2025-01-01T13:00:00.000Z';

/** One gateway replica: its own projections, writing to the shared store (no subscription runs). */
function replica(store: EventStore) {
  const keys = new KeyPoolProjection();
  const feed = { follow: () => undefined } as unknown as ProjectionFeed;
  return { keys, writer: new DomainWriter(store, keys, new ProviderHealthProjection(), new ClientKeysProjection(), feed, SYSTEM_CLOCK) };
}

/** The shared store as one replica reaches it: through a network that can fail. */
function reachedThrough(store: InMemoryEventStore) {
  const link = { down: false };
  const check = () => {
    if (link.down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
  };
  const flaky: EventStore = Object.create(store) as EventStore;
  flaky.readStream = async (stream) => (check(), store.readStream(stream));
  flaky.append = async (stream, events, expected) => (check(), store.append(stream, events, expected));
  return { store: flaky, link };
}

describe('DomainWriter', () => {
  let store: InMemoryEventStore;
  let a: ReturnType<typeof replica>;
  beforeEach(() => {
    store = new InMemoryEventStore();
    a = replica(store);
  });
  afterEach(() => store.close());

  // No subscription runs while the commands are sent: that is the gap, another replica's event
  // already in the store but not delivered to this one yet.
  describe("when the stream holds another replica's event this replica has not seen", () => {
    let recorded: Array<{ type: string }>;
    beforeEach(async () => {
      const b = replica(store);
      await a.writer.apiKey({ type: 'RegisterKey', data: { fingerprint: fp, provider: 'openai_main', now } });
      await b.writer.apiKey({
        type: 'QuarantineKey',
        data: { fingerprint: fp, reason: 'rate_limited', status: 429, until: inAnHour, now },
      });
      recorded = await a.writer.apiKey({
        type: 'RecordProbe',
        data: { fingerprint: fp, now, result: { kind: 'error', reason: 'timeout' } },
      });
    });

    it('applies it before its own, so a probe recorded after a 429 elsewhere leaves the key quarantined', () => {
      expect(recorded.map((e) => e.type)).toEqual(['ProbeFailed']);
      expect(a.keys.get(fp)).toMatchObject({ state: 'quarantined', reason: 'rate_limited', until: inAnHour });
      expect(a.keys.pick('openai_main', Date.parse(now))).toBeUndefined();
    });

    it('agrees with a rebuild from the store once the subscription has delivered everything again', async () => {
      const subscription = store.subscribeToAll(undefined, (event) => a.keys.apply(event));
      await subscription.caughtUp;
      await subscription.close();
      const rebuilt = new KeyPoolProjection();
      for await (const event of store.readAll()) rebuilt.apply(event);

      expect(a.keys.list()).toEqual(rebuilt.list());
      expect(rebuilt.get(fp)?.state).toBe('quarantined');
    });
  });

  describe('when the store is unreachable', () => {
    const quarantine = (until: string) => ({
      type: 'QuarantineKey' as const,
      data: { fingerprint: fp, reason: 'upstream_error' as const, status: 503, until, now },
    });
    let cut: ReturnType<typeof reachedThrough>;
    let c: ReturnType<typeof replica>;
    beforeEach(async () => {
      cut = reachedThrough(store);
      c = replica(cut.store);
      await c.writer.apiKey({ type: 'RegisterKey', data: { fingerprint: fp, provider: 'openai_main', now } });
      cut.link.down = true;
    });
    afterEach(() => c.writer.onModuleDestroy());

    it('decides against what it last knew, takes effect at once and waits in the outbox', async () => {
      const recorded = await c.writer.apiKey(quarantine(inAnHour));

      expect(recorded.map((e) => [e.type, e.revision])).toEqual([['KeyQuarantined', 1]]);
      expect(c.keys.get(fp)).toMatchObject({ state: 'quarantined', until: inAnHour });
      expect(c.writer.pending).toBe(1);
      expect((await store.readStream(`apikey-${fp}`)).map((e) => e.type)).toEqual(['KeyRegistered']);
    });

    it('appends in order, once, when the store is back', async () => {
      await c.writer.apiKey(quarantine(inAnHour));
      await c.writer.apiKey({ type: 'RetireKey', data: { fingerprint: fp, reason: 'invalid_key', status: 401, now } });
      expect(c.keys.get(fp)?.state).toBe('retired');

      cut.link.down = false;
      await eventually(
        () => c.writer.pending,
        (n) => n === 0,
      );
      expect((await store.readStream(`apikey-${fp}`)).map((e) => e.type)).toEqual(['KeyRegistered', 'KeyQuarantined', 'KeyRetired']);
      expect(c.writer.pending).toBe(0);
      expect(c.keys.get(fp)?.state).toBe('retired');
    });

    it('re-decides against what another replica appended meanwhile, and shows the store as it is', async () => {
      await c.writer.apiKey(quarantine(inAnHour));
      // Another replica, reaching the store, quarantined the key in the meantime (rate limited).
      await a.writer.apiKey({
        type: 'QuarantineKey',
        data: { fingerprint: fp, reason: 'rate_limited', status: 429, until: inAnHour, now },
      });

      cut.link.down = false;
      await eventually(
        () => c.writer.pending,
        (n) => n === 0,
      );
      const stream = await store.readStream(`apikey-${fp}`);
      expect(stream.map((e) => e.type)).toEqual(['KeyRegistered', 'KeyQuarantined']);
      expect(c.keys.get(fp)).toMatchObject({ state: 'quarantined', reason: 'rate_limited' });
    });
  });
});
