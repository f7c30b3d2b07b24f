import { randomUUID } from 'node:crypto';
import type { ResponseStore, ResponseStoreLimits, StoredResponse } from '../response-store';

/** The behaviour every ResponseStore adapter promises. Ids are unique per test, so a shared store works too. */
export function describeResponseStoreContract(
  name: string,
  makeStore: (limits: ResponseStoreLimits) => Promise<ResponseStore> | ResponseStore,
): void {
  describe(`${name} response store contract`, () => {
    const HOUR = 3_600_000;
    const now = Date.UTC(2026, 0, 1);
    const stores: ResponseStore[] = [];
    const open = async (limits: ResponseStoreLimits = { retentionMs: 24 * HOUR, maxStored: 1000 }) => {
      const store = await makeStore(limits);
      stores.push(store);
      return store;
    };
    const record = (createdAtMs = now, text = 'hello'): StoredResponse => ({
      id: `resp_${randomUUID().replace(/-/g, '')}`,
      createdAtMs,
      response: { object: 'response', output: [{ type: 'message', content: [{ type: 'output_text', text }] }] },
      input: [{ type: 'message', role: 'user', content: 'hi' }],
    });

    afterEach(async () => {
      await Promise.all(stores.splice(0).map((s) => s.close()));
    });

    it('reads back what it kept, as it was', async () => {
      const store = await open();
      const kept = record();
      await store.put(kept, now);
      expect(await store.get(kept.id, now)).toEqual(kept);
    });

    it('knows nothing of an id it never kept', async () => {
      const store = await open();
      expect(await store.get('resp_unknown', now)).toBeUndefined();
    });

    it('replaces a response kept again under the same id', async () => {
      const store = await open();
      const first = record(now, 'first');
      await store.put(first, now);
      const second = { ...first, response: { object: 'response', output: [] } };
      await store.put(second, now);
      expect(await store.get(first.id, now)).toEqual(second);
    });

    it('forgets a response past retention', async () => {
      const store = await open({ retentionMs: HOUR, maxStored: 1000 });
      const old = record(now);
      await store.put(old, now);
      expect(await store.get(old.id, now + HOUR - 1)).toBeDefined();
      expect(await store.get(old.id, now + HOUR + 1)).toBeUndefined();
    });

    it('keeps at most maxStored responses, letting the oldest go', async () => {
      const store = await open({ retentionMs: 24 * HOUR, maxStored: 2 });
      const [a, b, c] = [record(now), record(now + 1), record(now + 2)];
      for (const r of [a, b, c]) await store.put(r, r.createdAtMs);
      expect(await store.get(a.id, now + 3)).toBeUndefined();
      expect(await store.get(b.id, now + 3)).toBeDefined();
      expect(await store.get(c.id, now + 3)).toBeDefined();
    });
  });
}
