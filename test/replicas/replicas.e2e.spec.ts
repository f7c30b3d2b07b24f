import { join } from 'node:path';
import { fingerprint } from '@switchboard/domain';
import { createEventStore, type EventStore } from '@switchboard/event-store';
import { childEnv, runEntry, startGatewayProcess, type Child } from '../keeper/fixtures/child-process';
import { eventually } from '../support/eventually';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../support/postgres';
import { reply, startScriptedUpstream, type ScriptedUpstream } from '../support/scripted-upstream';
import { startGateway, type StartedGateway } from '../support/start-gateway';

jest.setTimeout(120_000);

const RATED = 'sk-replicas-rated-000000000001';
const RATED_SPARE = 'sk-replicas-rated-000000000002';
const TIMED = 'sk-replicas-timed-000000000003';
const SHARED = 'sk-replicas-shared-00000000004';
const PROVIDERS = ['toggle_a', 'toggle_b', 'toggle_c', 'toggle_d'];

interface KeyRow {
  fingerprint: string;
  state: string;
}

/**
 * Three gateway replicas and one standalone keeper on one PostgreSQL store: two replicas in this
 * process (they share nothing but the store), one in a child process that can be killed with
 * SIGKILL, and the keeper in another child. Every replica also runs its own keeper timers, so a
 * timed restore is raced by four.
 */
describeWithPostgres('three replicas and a keeper on one PostgreSQL store', () => {
  let database: TestDatabase;
  let upstream: ScriptedUpstream;
  let a: StartedGateway;
  let b: StartedGateway;
  let c: { child: Child; url: string };
  let keeper: Child;
  let store: EventStore;

  const config = () => ({
    providers: {
      rated: { type: 'openai', base_url: upstream.baseUrl, keys: [RATED, RATED_SPARE], probe_interval_ms: 600_000 },
      timed: { type: 'openai', base_url: upstream.baseUrl, keys: [TIMED], probe_interval_ms: 600_000 },
      shared: { type: 'openai', base_url: upstream.baseUrl, keys: [SHARED], probe_interval_ms: 600_000 },
      ...Object.fromEntries(PROVIDERS.map((name) => [name, { type: 'mock' }])),
    },
    models: {
      'rated-gpt': { chain: [{ provider: 'rated', model: 'gpt-4o' }] },
      'timed-gpt': { chain: [{ provider: 'timed', model: 'gpt-4o' }] },
      'shared-gpt': { chain: [{ provider: 'shared', model: 'gpt-4o' }] },
      'mock-gpt': { chain: [{ provider: 'toggle_a', model: 'mock-1' }] },
    },
    keeper: { enabled: true, probe_interval_ms: 600_000, restore_check_ms: 50 },
  });
  const startChildGateway = () => startGatewayProcess({ SWITCHBOARD_CONFIG: join(a.dir, 'gateway.yaml'), EVENT_STORE_URL: database.url });
  const keysOf = async (url: string, provider: string): Promise<KeyRow[]> =>
    ((await (await fetch(`${url}/admin/keys?provider=${provider}`)).json()) as { keys: KeyRow[] }).keys;
  const stateOf = async (url: string, secret: string) =>
    (await keysOf(url, 'rated').then(async (rows) => rows.concat(await keysOf(url, 'timed'), await keysOf(url, 'shared')))).find(
      (row) => row.fingerprint === fingerprint(secret),
    )?.state;
  const chat = (url: string, model: string) =>
    fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    });
  const typesOf = async (stream: string) => (await store.readStream(stream)).map((event) => event.type);

  beforeAll(async () => {
    database = await createTestDatabase();
    upstream = await startScriptedUpstream();
    upstream.always(RATED, reply.rateLimited(600));
    upstream.always(SHARED, reply.serverError(503));
    const env = { EVENT_STORE_URL: database.url };
    a = await startGateway({ config: config(), env });
    b = await startGateway({ config: config(), env });
    c = await startChildGateway();
    keeper = runEntry('src/keeper/main.ts', childEnv({ SWITCHBOARD_CONFIG: join(a.dir, 'gateway.yaml'), EVENT_STORE_URL: database.url }));
    await keeper.waitFor(/keeper running/, 60_000);
    store = createEventStore(database.url);
  });

  afterAll(async () => {
    await keeper?.stop();
    await c?.child.stop();
    await b?.close();
    await a?.close();
    await store?.close();
    await upstream?.close();
    await database?.drop();
  });

  it('skips on every replica, within a second, a key quarantined through one of them', async () => {
    // The least recently used key goes first: two requests reach both keys.
    for (let i = 0; i < 2 && upstream.callsFor(RATED).length === 0; i++) expect((await chat(a.url, 'rated-gpt')).status).toBe(200);
    expect(upstream.callsFor(RATED)).toHaveLength(1);
    expect(await stateOf(a.url, RATED)).toBe('quarantined');

    const states = await eventually(
      () => Promise.all([stateOf(b.url, RATED), stateOf(c.url, RATED)]),
      (seen) => seen.every((state) => state === 'quarantined'),
      1_000,
    );
    expect(states).toEqual(['quarantined', 'quarantined']);
    for (const url of [b.url, c.url, b.url, c.url])
      expect((await chat(url, 'rated-gpt')).headers.get('x-switchboard-key')).toBe(fingerprint(RATED_SPARE));
    expect(upstream.callsFor(RATED)).toHaveLength(1);
  });

  it('appends a timed restore once, though four keepers see the deadline pass', async () => {
    upstream.script(TIMED, reply.rateLimited(2));
    await chat(b.url, 'timed-gpt');
    expect(await typesOf(`apikey-${fingerprint(TIMED)}`)).toEqual(['KeyRegistered', 'KeyQuarantined']);

    await eventually(
      () => typesOf(`apikey-${fingerprint(TIMED)}`),
      (types) => types.includes('KeyRestored'),
      20_000,
    );
    // A second restore would come from a keeper still acting on the quarantine: once every replica
    // shows the key available, its keeper has applied the restore and decides nothing more, and a
    // command one had in flight was decided against the stream that already held the restore.
    for (const url of [a.url, b.url, c.url])
      expect(
        await eventually(
          () => stateOf(url, TIMED),
          (state) => state === 'available',
        ),
      ).toBe('available');
    expect(await typesOf(`apikey-${fingerprint(TIMED)}`)).toEqual(['KeyRegistered', 'KeyQuarantined', 'KeyRestored']);
  });

  it('appends one quarantine when the same key fails on three replicas at once', async () => {
    const statuses = await Promise.all([a.url, b.url, c.url].map(async (url) => (await chat(url, 'shared-gpt')).status));
    expect(statuses).toEqual([503, 503, 503]);

    const types = await typesOf(`apikey-${fingerprint(SHARED)}`);
    expect(types.filter((type) => type === 'KeyQuarantined')).toHaveLength(1);
  });

  it('loses and repeats no acknowledged transition when a replica is killed with SIGKILL mid-burst', async () => {
    const acknowledged = new Map<string, string[]>(PROVIDERS.map((name) => [name, []]));
    let killed = false;
    const burst = PROVIDERS.map(async (name) => {
      for (let i = 0; !killed; i++) {
        const action = i % 2 === 0 ? 'disable' : 'enable';
        try {
          const res = await fetch(`${c.url}/admin/providers/${name}/${action}`, { method: 'POST' });
          if (res.status === 200) acknowledged.get(name)!.push(action === 'disable' ? 'ProviderDisabled' : 'ProviderEnabled');
        } catch {
          return; // the replica is gone: this request was never acknowledged
        }
      }
    });
    const traffic = (async () => {
      while (!killed) await chat(c.url, 'mock-gpt').catch(() => undefined);
    })();
    await eventually(
      () => [...acknowledged.values()].reduce((n, list) => n + list.length, 0),
      (n) => n >= 40,
      30_000,
    );
    c.child.process.kill('SIGKILL');
    await c.child.exited;
    killed = true;
    await Promise.all([...burst, traffic]);

    c = await startChildGateway();
    for (const name of PROVIDERS) {
      const transitions = (await typesOf(`provider-${name}`)).filter((type) => type === 'ProviderDisabled' || type === 'ProviderEnabled');
      const acked = acknowledged.get(name)!;
      // Every acknowledged transition is there once, in order; at most the one in flight at the kill follows.
      expect(transitions.slice(0, acked.length)).toEqual(acked);
      expect(transitions.length - acked.length).toBeLessThanOrEqual(1);
      const enabled = transitions.at(-1) !== 'ProviderDisabled';
      const listed = ((await (await fetch(`${c.url}/admin/providers`)).json()) as { providers: { name: string; enabled: boolean }[] })
        .providers;
      expect(listed.find((provider) => provider.name === name)?.enabled).toBe(enabled);
    }
  });
});
