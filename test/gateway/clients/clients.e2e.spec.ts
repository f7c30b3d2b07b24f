import { SqliteEventStore } from '@switchboard/event-store';
import { CapturingLogger } from '../../support/capturing-logger';
import { eventually } from '../../support/eventually';
import { startGateway, type StartedGateway } from '../../support/start-gateway';

const CONFIGURED_PLAIN = 'sb-configured-plain-5a1f0c';
const CONFIGURED_NAMED = 'sb-configured-named-77d2e9';

const config = {
  auth: {
    client_keys: [CONFIGURED_PLAIN, { name: 'ci', key_env: 'CI_CLIENT_KEY', models: ['mock-fast'], rpm: 100 }],
  },
  providers: { mock: { type: 'mock' } },
  models: {
    'mock-fast': { chain: [{ provider: 'mock', model: 'mock-1' }] },
    'mock-other': { chain: [{ provider: 'mock', model: 'mock-2' }] },
  },
  keeper: { enabled: false },
};

interface ClientRow {
  name: string;
  fingerprint: string;
  source: string;
  state: string;
  models: string[] | null;
  rpm?: number;
  tpm?: number;
  max_parallel?: number;
  budget?: { usd: number; per: string };
  usage?: { period: string; requests: number; tokens: number; spend_usd: number };
  key?: string;
}

describe('client keys issued through /admin/clients, on two replicas', () => {
  let a: StartedGateway;
  let b: StartedGateway;
  const logs = new CapturingLogger();
  const answers: string[] = [];
  const env = { CI_CLIENT_KEY: CONFIGURED_NAMED };

  beforeAll(async () => {
    a = await startGateway({ config, env, logger: logs });
    b = await startGateway({ config, env: { ...env, EVENT_STORE_URL: `sqlite:${a.storePath}` }, logger: logs });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const admin = async (gw: StartedGateway, method: string, path: string, body?: unknown) => {
    const res = await fetch(gw.url + path, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await res.text();
    answers.push(text);
    return { status: res.status, body: JSON.parse(text) as Record<string, unknown> };
  };
  const chat = (gw: StartedGateway, key: string, model = 'mock-fast') =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    });

  let issuedKey = '';

  it('issues a key once; the listing shows its fingerprint and limits, never the key', async () => {
    const res = await admin(a, 'POST', '/admin/clients', { name: 'billing-bot', models: ['mock-fast'], rpm: 50, tpm: 5000 });
    expect(res.status).toBe(201);
    const issued = res.body as unknown as ClientRow;
    expect(issued).toMatchObject({ name: 'billing-bot', source: 'store', state: 'active', models: ['mock-fast'], rpm: 50, tpm: 5000 });
    expect(issued.key).toMatch(/^sb-/);
    issuedKey = issued.key!;
    expect(issued.fingerprint).toMatch(/^[0-9a-f]{16}$/);

    const list = await admin(b, 'GET', '/admin/clients');
    const rows = (list.body as { clients: ClientRow[] }).clients;
    expect(rows.map((c) => [c.name, c.source])).toEqual(
      expect.arrayContaining([
        ['billing-bot', 'store'],
        ['ci', 'config'],
      ]),
    );
    expect(JSON.stringify(list.body)).not.toContain(issuedKey);
    expect(rows.every((c) => c.key === undefined)).toBe(true);
  });

  it('the issued key is accepted by both replicas, and counted in its usage', async () => {
    expect((await chat(a, issuedKey)).status).toBe(200);
    const onB = await eventually(
      () => chat(b, issuedKey).then((r) => r.status),
      (status) => status === 200,
    );
    expect(onB).toBe(200);
    const one = await admin(a, 'GET', '/admin/clients/billing-bot');
    expect((one.body as unknown as ClientRow).usage).toMatchObject({ period: expect.stringMatching(/^\d{4}-\d{2}$/), requests: 1 });
  });

  it('an alias outside the key models answers 403 permission_error', async () => {
    const res = await chat(a, issuedKey, 'mock-other');
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: Record<string, unknown> }).error).toMatchObject({
      type: 'permission_error',
      param: 'model',
      code: 'model_not_allowed',
    });
  });

  it('PATCH changes models and limits (null removes one); the same change again records nothing', async () => {
    const res = await admin(a, 'PATCH', '/admin/clients/billing-bot', { models: null, tpm: null, max_parallel: 4 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ models: null, rpm: 50, max_parallel: 4 });
    expect(res.body.tpm).toBeUndefined();
    expect((await chat(a, issuedKey, 'mock-other')).status).toBe(200);
    await admin(a, 'PATCH', '/admin/clients/billing-bot', { max_parallel: 4 });
    const store = new SqliteEventStore(a.storePath);
    const types = (await store.readStream('client-billing-bot')).map((e) => e.type);
    await store.close();
    expect(types).toEqual(['ClientKeyIssued', 'ClientLimitsChanged']);
  });

  it('refuses bad bodies by field, a taken name, an unknown alias, and changes to configured clients', async () => {
    expect(await admin(a, 'POST', '/admin/clients', { name: 'x', rpm: 0 })).toMatchObject({
      status: 400,
      body: { error: { param: 'rpm' } },
    });
    expect(await admin(a, 'POST', '/admin/clients', { name: 'x', budget: { usd: 1, per: 'week' } })).toMatchObject({
      status: 400,
      body: { error: { param: 'budget.per' } },
    });
    expect(await admin(a, 'POST', '/admin/clients', { name: 'bad name!' })).toMatchObject({
      status: 400,
      body: { error: { param: 'name' } },
    });
    expect(await admin(a, 'POST', '/admin/clients', { name: 'x', models: ['nope'] })).toMatchObject({
      status: 400,
      body: { error: { param: 'models' } },
    });
    expect(await admin(a, 'POST', '/admin/clients', { name: 'billing-bot' })).toMatchObject({
      status: 409,
      body: { error: { code: 'client_exists' } },
    });
    expect(await admin(a, 'PATCH', '/admin/clients/ci', { rpm: 1 })).toMatchObject({
      status: 409,
      body: { error: { code: 'client_configured' } },
    });
    expect(await admin(a, 'PATCH', '/admin/clients/nobody', { rpm: 1 })).toMatchObject({ status: 404 });
  });

  it('configured keys keep working: a plain string, and a named one from key_env limited to its models', async () => {
    expect((await chat(a, CONFIGURED_PLAIN, 'mock-other')).status).toBe(200);
    expect((await chat(b, CONFIGURED_NAMED)).status).toBe(200);
    expect((await chat(b, CONFIGURED_NAMED, 'mock-other')).status).toBe(403);
    expect((await chat(a, 'sb-not-a-key')).status).toBe(401);
  });

  it('a revoked key is refused by both replicas within a second', async () => {
    expect((await admin(b, 'DELETE', '/admin/clients/billing-bot')).body).toMatchObject({ state: 'revoked' });
    expect((await chat(b, issuedKey)).status).toBe(401);
    const onA = await eventually(
      () => chat(a, issuedKey).then((r) => r.status),
      (status) => status === 401,
      1_000,
    );
    expect(onA).toBe(401);
  });

  it('no client key appears in any event, log line or admin answer', async () => {
    const store = new SqliteEventStore(a.storePath);
    const events: string[] = [];
    for await (const event of store.readAll())
      events.push(JSON.stringify(event, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));
    await store.close();
    expect(events.some((e) => e.includes('ClientKeyIssued'))).toBe(true);
    for (const secret of [issuedKey, CONFIGURED_PLAIN, CONFIGURED_NAMED]) {
      expect(events.filter((e) => e.includes(secret))).toEqual([]);
      expect(logs.lines.filter((l) => l.includes(secret))).toEqual([]);
      // The one answer that carries the issued key is the one that issued it.
      expect(answers.filter((t) => t.includes(secret)).length).toBe(secret === issuedKey ? 1 : 0);
    }
  });
});

describe('client limits in memory', () => {
  let gw: StartedGateway;
  beforeAll(async () => {
    gw = await startGateway({
      config: {
        ...config,
        auth: { client_keys: [{ name: 'tight', key: 'sb-tight-key-01', rpm: 3 }] },
        models: { ...config.models, 'mock-other': { chain: [{ provider: 'mock', model: 'mock-2' }], rpm: 1 } },
      },
    });
  });
  afterAll(() => gw?.close());

  const chat = (model = 'mock-fast') =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'sb-tight-key-01' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    });

  it('answers rpm requests with x-ratelimit headers, then 429 with Retry-After', async () => {
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await chat();
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit-requests')).toBe('3');
      expect(res.headers.get('x-ratelimit-reset-requests')).toMatch(/^\d+s$/);
      remaining.push(res.headers.get('x-ratelimit-remaining-requests')!);
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const refused = await chat();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(((await refused.json()) as { error: Record<string, unknown> }).error).toMatchObject({
      type: 'rate_limit_error',
      code: 'rate_limit_exceeded',
    });
  });
});

describe('alias limits', () => {
  let gw: StartedGateway;
  beforeAll(async () => {
    gw = await startGateway({
      config: {
        ...config,
        auth: {},
        models: { ...config.models, 'mock-other': { chain: [{ provider: 'mock', model: 'mock-2' }], rpm: 1 } },
      },
    });
  });
  afterAll(() => gw?.close());

  it('an alias rpm holds for every caller, keyless ones included', async () => {
    const call = (model: string) =>
      fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
      });
    expect((await call('mock-other')).status).toBe(200);
    expect((await call('mock-other')).status).toBe(429);
    expect((await call('mock-fast')).status).toBe(200);
  });
});
