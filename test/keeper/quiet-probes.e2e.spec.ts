import { fingerprint } from '@switchboard/domain';
import { SqliteEventStore } from '@switchboard/event-store';
import { eventually } from '../support/eventually';
import { reply, startScriptedUpstream, type ScriptedUpstream } from '../support/scripted-upstream';
import { startGateway, type StartedGateway } from '../support/start-gateway';

const ONE = 'sk-quiet-probe-one-000000000001';
const TWO = 'sk-quiet-probe-two-000000000002';

interface KeyRow {
  fingerprint: string;
  state: string;
  lastProbe?: { at: string; ok: boolean; latencyMs?: number };
}

const config = (baseUrl: string, probeIntervalMs: number) => ({
  providers: { openai_main: { type: 'openai', base_url: baseUrl, keys: [ONE, TWO], probe_interval_ms: probeIntervalMs } },
  models: { 'main-gpt': { chain: [{ provider: 'openai_main', model: 'gpt-4o' }] } },
  keeper: { enabled: true, probe_interval_ms: 60_000, restore_check_ms: 20 },
});

async function eventCount(storePath: string): Promise<number> {
  const store = new SqliteEventStore(storePath);
  let count = 0;
  for await (const _ of store.readAll()) count++;
  await store.close();
  return count;
}

describe('quiet probes', () => {
  let upstream: ScriptedUpstream;
  const gateways: StartedGateway[] = [];
  /** When each probe of a key reached the upstream. */
  const probedAt = new Map<string, number[]>();

  beforeEach(async () => {
    probedAt.clear();
    upstream = await startScriptedUpstream();
    upstream.fallback(
      reply.fn((request) => {
        if (request.path === '/v1/models') probedAt.set(request.key, [...(probedAt.get(request.key) ?? []), Date.now()]);
        return reply.auto();
      }),
    );
  });
  afterEach(async () => {
    for (const gw of gateways.splice(0).reverse()) await gw.close();
    await upstream.close();
  });

  it('appends nothing while a keeper probing every 100 ms for 10 s finds two healthy keys working, and /admin/keys shows the last probe', async () => {
    const gw = await startGateway({ config: config(upstream.baseUrl, 100) });
    gateways.push(gw);
    const before = await eventCount(gw.storePath);
    const started = Date.now();

    // 10 s of probing at 100 ms is up to 100 probes a key; a loaded machine manages fewer, so wait for the time and for probes.
    const seen = await eventually(
      () => [probedAt.get(ONE)?.length ?? 0, probedAt.get(TWO)?.length ?? 0],
      ([one, two]) => Date.now() - started >= 10_000 && one >= 20 && two >= 20,
      60_000,
    );
    expect(seen[0]).toBeGreaterThanOrEqual(20);
    expect(seen[1]).toBeGreaterThanOrEqual(20);

    expect(await eventCount(gw.storePath)).toBe(before);
    const rows = ((await (await fetch(`${gw.url}/admin/keys`)).json()) as { keys: KeyRow[] }).keys;
    for (const secret of [ONE, TWO]) {
      const row = rows.find((k) => k.fingerprint === fingerprint(secret))!;
      expect(row).toMatchObject({ state: 'available', lastProbe: { ok: true, latencyMs: expect.any(Number) } });
      expect(Date.parse(row.lastProbe!.at)).toBeGreaterThanOrEqual(started);
    }
    const history = (await (await fetch(`${gw.url}/admin/keys/${fingerprint(ONE)}/history`)).json()) as { events: Array<{ type: string }> };
    expect(history.events.map((e) => e.type)).toEqual(['KeyRegistered']);
  }, 90_000);

  it('probes each key once per interval in total when two keepers share one store', async () => {
    const intervalMs = 200;
    const a = await startGateway({ config: config(upstream.baseUrl, intervalMs) });
    gateways.push(a);
    gateways.push(await startGateway({ config: config(upstream.baseUrl, intervalMs), env: { EVENT_STORE_URL: `sqlite:${a.storePath}` } }));

    await eventually(
      () => Math.min(probedAt.get(ONE)?.length ?? 0, probedAt.get(TWO)?.length ?? 0),
      (fewest) => fewest >= 20,
      60_000,
    );
    for (const secret of [ONE, TWO]) {
      const times = probedAt.get(secret)!;
      const window = times[times.length - 1] - times[0];
      // A lease is taken at most once per interval; one more for the delay between a claim and its request.
      expect(times.length).toBeLessThanOrEqual(Math.floor(window / intervalMs) + 2);
    }
  }, 90_000);
});
