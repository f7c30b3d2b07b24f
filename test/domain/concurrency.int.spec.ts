import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  apiKeyDecider,
  apiKeyStream,
  KeyPoolProjection,
  runCommand,
  type ApiKeyCommand,
} from '@switchboard/domain';
import { ConcurrencyError, InMemoryEventStore, SqliteEventStore, type EventStore } from '@switchboard/event-store';

const fp = '0123456789abcdef';
const stream = apiKeyStream(fp);
const now = '2025-01-01T12:00:00.000Z';

const registerKey: ApiKeyCommand = { type: 'RegisterKey', data: { fingerprint: fp, provider: 'openai_main', now } };
const sameFailure: ApiKeyCommand = {
  type: 'QuarantineKey',
  data: { fingerprint: fp, reason: 'upstream_error', status: 503, until: '2025-01-01T12:00:05.000Z', now },
};

function describeRunCommand(name: string, open: () => { store: EventStore; dispose: () => Promise<void> }) {
  describe(`runCommand on ${name}`, () => {
    let store: EventStore;
    let dispose: () => Promise<void>;

    beforeEach(() => {
      ({ store, dispose } = open());
    });
    afterEach(() => dispose());

    it('records exactly one KeyQuarantined when 100 requests report the same failure at once', async () => {
      const registered = await runCommand(store, stream, apiKeyDecider, registerKey);

      const results = await Promise.all(
        Array.from({ length: 100 }, () => runCommand(store, stream, apiKeyDecider, sameFailure)),
      );

      const types = (await store.readStream(stream)).map((e) => e.type);
      expect(types).toEqual(['KeyRegistered', 'KeyQuarantined']);
      expect(results.filter((recorded) => recorded.length > 0)).toHaveLength(1);

      const pool = new KeyPoolProjection();
      for (const recorded of [...registered, ...results.flat()]) pool.apply(recorded);
      expect(pool.get(fp)?.state).toBe('quarantined');
    });

    it('returns the recorded events, with revisions, for the caller to apply to its projections', async () => {
      const registered = await runCommand(store, stream, apiKeyDecider, registerKey);
      const quarantined = await runCommand(store, stream, apiKeyDecider, sameFailure);
      const pool = new KeyPoolProjection();
      for (const event of [...registered, ...quarantined]) pool.apply(event);

      expect(registered.map((e) => [e.type, e.revision])).toEqual([['KeyRegistered', 0]]);
      expect(quarantined.map((e) => [e.type, e.revision])).toEqual([['KeyQuarantined', 1]]);
      expect(pool.get(fp)).toMatchObject({ state: 'quarantined', until: '2025-01-01T12:00:05.000Z', status: 503 });
    });

    it('appends nothing when the decision is that nothing changes', async () => {
      await runCommand(store, stream, apiKeyDecider, registerKey);
      const again = await runCommand(store, stream, apiKeyDecider, registerKey);
      expect(again).toEqual([]);
      expect(await store.readStream(stream)).toHaveLength(1);
    });

    it('gives up with the ConcurrencyError once its attempts are spent', async () => {
      const outcomes = await Promise.allSettled([
        runCommand(store, stream, apiKeyDecider, registerKey, { maxAttempts: 1 }),
        runCommand(store, stream, apiKeyDecider, registerKey, { maxAttempts: 1 }),
      ]);
      const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect(rejected).toHaveLength(1);
      expect(rejected[0].reason).toBeInstanceOf(ConcurrencyError);
      expect(await store.readStream(stream)).toHaveLength(1);
    });
  });
}

describeRunCommand('InMemoryEventStore', () => {
  const store = new InMemoryEventStore();
  return { store, dispose: () => store.close() };
});

describeRunCommand('SqliteEventStore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-domain-'));
  const store = new SqliteEventStore(join(dir, 'events.db'));
  return {
    store,
    dispose: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
