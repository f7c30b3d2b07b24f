import { SqliteEventStore } from '@switchboard/event-store';
import { CapturingLogger } from '../../support/capturing-logger';
import { eventually } from '../../support/eventually';
import { startGateway, type StartedGateway } from '../../support/start-gateway';

const ADMIN_KEY = 'sb-admin-config-e2e-91c2';
const UPSTREAM_SECRET = 'sk-config-e2e-literal-upstream-0001';

const config = {
  auth: { admin_keys: [{ name: 'ops-bob', key: ADMIN_KEY }] },
  providers: {
    mock: { type: 'mock' },
    spare: { type: 'openai', base_url: 'http://127.0.0.1:9/v1', keys: [UPSTREAM_SECRET] },
  },
  models: { 'mock-fast': { chain: [{ provider: 'mock', model: 'mock-1' }] } },
  keeper: { enabled: false },
};

interface ConfigAnswer {
  revision: number;
  config: { models: Record<string, unknown>; providers: Record<string, { keys?: string[] }> };
}

describe('config in the event store, followed by two replicas', () => {
  let a: StartedGateway;
  let b: StartedGateway;
  const logs = new CapturingLogger();
  const answers: string[] = [];

  beforeAll(async () => {
    a = await startGateway({ config, logger: logs });
    // The same keys folder, so both files are the same text (keys_file paths point at it).
    b = await startGateway({ config, keysDir: a.keysDir, env: { EVENT_STORE_URL: `sqlite:${a.storePath}` }, logger: logs });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const admin = async (gw: StartedGateway, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(gw.url + path, {
      method,
      headers: { 'x-api-key': ADMIN_KEY, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    answers.push(text);
    return { status: res.status, etag: res.headers.get('etag'), body: JSON.parse(text) as Record<string, unknown> };
  };
  const chat = (gw: StartedGateway, model: string) =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    });
  const withAlias = (current: ConfigAnswer['config'], alias: string) => ({
    ...current,
    models: { ...current.models, [alias]: { chain: [{ provider: 'mock', model: 'mock-2' }] } },
  });

  it('the file seeded revision 1 once (the second replica, same file, added nothing); secrets are masked', async () => {
    const res = await admin(a, 'GET', '/admin/config');
    expect(res.status).toBe(200);
    expect(res.etag).toBe('"1"');
    const body = res.body as unknown as ConfigAnswer;
    expect(body.revision).toBe(1);
    expect(body.config.providers.spare.keys).toEqual([expect.stringMatching(/^\*\*\*[0-9a-f]{16}$/)]);
  });

  it('a config applied through A (a new alias) is answered by B within a second, with the diff', async () => {
    const current = (await admin(a, 'GET', '/admin/config')).body as unknown as ConfigAnswer;
    const res = await admin(a, 'PUT', '/admin/config', { config: withAlias(current.config, 'mock-new') }, { 'if-match': '"1"' });
    expect(res.status).toBe(200);
    expect(res.etag).toBe('"2"');
    expect(res.body.revision).toBe(2);
    expect(res.body.diff).toEqual(expect.arrayContaining([expect.stringMatching(/^\+\s+mock-new:/)]));
    expect((await chat(a, 'mock-new')).status).toBe(200);
    const onB = await eventually(
      () => chat(b, 'mock-new').then((r) => r.status),
      (status) => status === 200,
      1_000,
    );
    expect(onB).toBe(200);
    const models = (await (await fetch(`${b.url}/v1/models`)).json()) as { data: Array<{ id: string }> };
    expect(models.data.map((m) => m.id)).toContain('mock-new');
  });

  it('a PUT with a stale If-Match is 412 and changes nothing; without one it is 428', async () => {
    const current = (await admin(b, 'GET', '/admin/config')).body as unknown as ConfigAnswer;
    const stale = await admin(b, 'PUT', '/admin/config', { config: withAlias(current.config, 'mock-stale') }, { 'if-match': '"1"' });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ error: { code: 'stale_revision' } });
    expect((await admin(b, 'PUT', '/admin/config', { config: current.config })).status).toBe(428);
    expect((await admin(a, 'GET', '/admin/config')).body.revision).toBe(2);
  });

  it('validate lists every problem by path and applies nothing; an invalid PUT is a 400', async () => {
    const current = (await admin(a, 'GET', '/admin/config')).body as unknown as ConfigAnswer;
    const broken = {
      ...current.config,
      models: { ...current.config.models, bad: { chain: [{ provider: 'nowhere', model: 'x' }] } },
      routing: { retries: { max_attempts: 0 } },
    };
    const res = await admin(a, 'POST', '/admin/config/validate', { config: broken });
    expect(res.status).toBe(200);
    expect(res.body.valid).toBe(false);
    expect(res.body.errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^models\.bad\.chain\[0\]\.provider: /),
        expect.stringMatching(/^routing\.retries\.max_attempts: /),
      ]),
    );
    expect((await admin(a, 'POST', '/admin/config/validate', { config: current.config })).body).toEqual({
      valid: true,
      errors: [],
      warnings: [],
    });
    expect((await admin(a, 'PUT', '/admin/config', { config: broken }, { 'if-match': '"2"' })).status).toBe(400);
    expect((await admin(a, 'GET', '/admin/config')).body.revision).toBe(2);
  });

  it('the history says who changed what, when, with the diff', async () => {
    const res = await admin(b, 'GET', '/admin/config/history');
    const changes = res.body.changes as Array<{ revision: number; by: string; source: string; diff: string[] }>;
    expect(changes.map((c) => [c.revision, c.by, c.source])).toEqual([
      [1, 'file', 'file'],
      [2, 'ops-bob', 'admin'],
    ]);
  });

  it('no request fails while the config changes under load (c=16)', async () => {
    let stop = false;
    const failures: number[] = [];
    let served = 0;
    const worker = async (i: number) => {
      while (!stop) {
        const res = await chat(i % 2 ? a : b, 'mock-fast');
        await res.arrayBuffer();
        if (res.status === 200) served++;
        else failures.push(res.status);
      }
    };
    const workers = Array.from({ length: 16 }, (_, i) => worker(i));
    for (let revision = 2; revision < 5; revision++) {
      const current = (await admin(a, 'GET', '/admin/config')).body as unknown as ConfigAnswer;
      const res = await admin(
        a,
        'PUT',
        '/admin/config',
        { config: withAlias(current.config, `load-${revision}`) },
        { 'if-match': `"${revision}"` },
      );
      expect(res.status).toBe(200);
    }
    await eventually(
      () => chat(b, 'load-4').then((r) => r.status),
      (s) => s === 200,
    );
    stop = true;
    await Promise.all(workers);
    expect(failures).toEqual([]);
    expect(served).toBeGreaterThan(16);
  });

  it('no upstream or admin key appears in any event, log line or admin answer', async () => {
    const store = new SqliteEventStore(a.storePath);
    const events: string[] = [];
    for await (const event of store.readAll()) events.push(JSON.stringify(event.data));
    await store.close();
    expect(events.some((e) => e.includes('mock-new'))).toBe(true);
    for (const secret of [UPSTREAM_SECRET, ADMIN_KEY]) {
      expect(events.filter((e) => e.includes(secret))).toEqual([]);
      expect(logs.lines.filter((l) => l.includes(secret))).toEqual([]);
      expect(answers.filter((t) => t.includes(secret))).toEqual([]);
    }
  });
});
