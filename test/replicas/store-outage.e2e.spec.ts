import { fingerprint } from '@switchboard/domain';
import { createEventStore } from '@switchboard/event-store';
import { describeWithService } from '../support/describe-with-service';
import { eventually } from '../support/eventually';
import { POSTGRES_BIN, startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres';
import { reply, startScriptedUpstream, type ScriptedUpstream } from '../support/scripted-upstream';
import { startGateway, type StartedGateway } from '../support/start-gateway';

jest.setTimeout(120_000);

const BAD = ['sk-outage-bad-0000000000000001', 'sk-outage-bad-0000000000000002'];
const GOOD = ['sk-outage-good-000000000000003', 'sk-outage-good-000000000000004'];
const CONCURRENCY = 16;
const OUTAGE_MS = 5_000;

interface Readiness {
  status: number;
  eventStore?: { status: string; message?: string };
}

describeWithService(
  'PostgreSQL binaries',
  POSTGRES_BIN ?? '/usr/lib/postgresql',
  POSTGRES_BIN !== undefined,
  'a store outage under load',
  () => {
    let pg: PrivatePostgres;
    let upstream: ScriptedUpstream;
    let gateway: StartedGateway;

    beforeAll(async () => {
      pg = await startPrivatePostgres();
      upstream = await startScriptedUpstream();
      for (const key of BAD) upstream.always(key, reply.serverError(503));
      gateway = await startGateway({
        config: {
          providers: { flaky: { type: 'openai', base_url: upstream.baseUrl, keys: [...BAD, ...GOOD], probe_interval_ms: 600_000 } },
          models: { 'main-gpt': { chain: [{ provider: 'flaky', model: 'gpt-4o' }] } },
          keeper: { enabled: true, probe_interval_ms: 600_000, restore_check_ms: 50 },
        },
        env: { EVENT_STORE_URL: pg.url },
      });
    });

    afterAll(async () => {
      await gateway?.close();
      await upstream?.close();
      pg?.destroy();
    });

    it('serves every request while PostgreSQL is stopped for 5 s, stays ready, and appends what was decided meanwhile once', async () => {
      const failures: string[] = [];
      let served = 0;
      let loading = true;
      const load = Array.from({ length: CONCURRENCY }, async () => {
        while (loading) {
          try {
            const res = await fetch(`${gateway.url}/v1/chat/completions`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ model: 'main-gpt', messages: [{ role: 'user', content: 'hi' }] }),
            });
            await res.arrayBuffer();
            if (res.status === 200) served++;
            else failures.push(`HTTP ${res.status}`);
          } catch (error) {
            failures.push(String(error));
          }
        }
      });
      const readiness: Readiness[] = [];
      let probing = true;
      const probe = (async () => {
        while (probing) {
          const res = await fetch(`${gateway.url}/health/ready`);
          const body = (await res.json()) as { details: Record<string, { status: string; message?: string }> };
          readiness.push({ status: res.status, eventStore: body.details.event_store });
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      })();

      // Load before the outage: the bad keys fail, are quarantined, restored by the keeper, fail again.
      await eventually(
        () => served,
        (n) => n >= 50,
      );
      pg.stop();
      const stoppedAt = Date.now();
      await eventually(
        () => readiness.at(-1)?.eventStore?.status,
        (status) => status === 'degraded',
      );
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt))));
      const waitingDuringOutage = Math.max(...readiness.map((r) => waiting(r.eventStore?.message)));
      pg.start();

      const recovered = await eventually(
        () => readiness.at(-1)?.eventStore?.status,
        (status) => status === 'up',
        30_000,
      );
      expect(recovered).toBe('up');
      loading = false;
      await Promise.all(load);
      probing = false;
      await probe;

      expect(failures).toEqual([]);
      expect(readiness.filter((r) => r.status !== 200)).toEqual([]);
      // Transitions were decided while the store was down (the bad keys kept failing and being restored).
      expect(waitingDuringOutage).toBeGreaterThan(0);

      const store = createEventStore(pg.url);
      try {
        const keys = (
          (await (await fetch(`${gateway.url}/admin/keys?provider=flaky`)).json()) as { keys: { fingerprint: string; state: string }[] }
        ).keys;
        for (const secret of BAD) {
          const events = await store.readStream(`apikey-${fingerprint(secret)}`);
          const transitions = events.filter((event) => event.type === 'KeyQuarantined' || event.type === 'KeyRestored');
          // Exactly once: a transition appended twice would show as the same fact (type and data) twice in a
          // row. (Two quarantines in a row are legitimate when the first one's deadline had passed.)
          const facts = transitions.map((event) => JSON.stringify([event.type, event.data]));
          for (let i = 1; i < facts.length; i++) expect(facts[i]).not.toBe(facts[i - 1]);
          expect(events.map((event) => event.revision)).toEqual(events.map((_, i) => i));
          // The replica's projection agrees with the store: nothing missed or repeated by the resumed subscription.
          const last = transitions.at(-1)?.type;
          const state = keys.find((key) => key.fingerprint === fingerprint(secret))?.state;
          expect(state === 'quarantined' ? 'KeyQuarantined' : 'KeyRestored').toBe(last);
        }
        const appendedAfterRestart = [];
        for await (const event of store.readAll()) if (Date.parse(event.at) >= stoppedAt + OUTAGE_MS) appendedAfterRestart.push(event);
        expect(appendedAfterRestart.length).toBeGreaterThan(0);
      } finally {
        await store.close();
      }
    });
  },
);

/** "... 3 transitions waiting to be appended" → 3. */
function waiting(message: string | undefined): number {
  return Number(/(\d+) transitions waiting/.exec(message ?? '')?.[1] ?? 0);
}
