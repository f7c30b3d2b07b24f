import { ClientKeysProjection, fingerprint, KeyPoolProjection, ProviderHealthProjection } from '@switchboard/domain';
import { InMemoryEventStore } from '@switchboard/event-store';
import { DomainWriter } from './domain-writer';

const fp = fingerprint('sk-replica-gap-0000000000000001');
const now = '2025-01-01T12:00:00.000Z';
const inAnHour = '2025-01-01T13:00:00.000Z';

/** One gateway replica: its own projections, writing to the shared store. */
function replica(store: InMemoryEventStore) {
  const keys = new KeyPoolProjection();
  return { keys, writer: new DomainWriter(store, keys, new ProviderHealthProjection(), new ClientKeysProjection()) };
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
});
