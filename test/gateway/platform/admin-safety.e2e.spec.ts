import type { FastifyInstance } from 'fastify';
import { loadConfig } from '@switchboard/config';
import { createGateway } from '../../../src/gateway/main';
import { startGateway, type StartedGateway } from '../../support/start-gateway';

const ADMIN_KEY = 'sb-admin-key-safety-7c1d0e';
// Documentation ranges (RFC 5737 / 3849): never this machine's own address.
const REMOTE_V4 = '203.0.113.7';
const REMOTE_V6 = '2001:db8::7';

const config = (adminKeys: string[]) => ({
  auth: { admin_keys: adminKeys },
  providers: { mock: { type: 'mock' } },
  models: { 'mock-fast': { chain: [{ provider: 'mock', model: 'mock-1' }] } },
  keeper: { enabled: false },
});

describe('admin API without admin keys: loopback clients only', () => {
  let gw: StartedGateway;
  let fastify: FastifyInstance;
  beforeAll(async () => {
    gw = await startGateway({ config: config([]) });
    fastify = gw.app.getHttpAdapter().getInstance();
  });
  afterAll(() => gw.close());

  it.each([REMOTE_V4, REMOTE_V6, '::ffff:203.0.113.7'])(
    'refuses /admin/keys from %s with a 403 saying how to configure keys',
    async (ip) => {
      const res = await fastify.inject({ method: 'GET', url: '/admin/keys', remoteAddress: ip });
      expect(res.statusCode).toBe(403);
      const body = res.json() as { error: { message: string; type: string; code: string } };
      expect(body.error).toMatchObject({ type: 'permission_error', code: 'admin_loopback_only' });
      expect(body.error.message).toContain('auth.admin_keys');
    },
  );

  it('refuses a remote write too, and an unknown admin path', async () => {
    const disable = await fastify.inject({ method: 'POST', url: '/admin/providers/mock/disable', remoteAddress: REMOTE_V4 });
    expect(disable.statusCode).toBe(403);
    expect((await fastify.inject({ method: 'GET', url: '/admin/nothing', remoteAddress: REMOTE_V4 })).statusCode).toBe(403);
    const providers = (await (await fetch(`${gw.url}/admin/providers`)).json()) as { providers: Array<{ enabled: boolean }> };
    expect(providers.providers[0].enabled).toBe(true);
  });

  it.each(['127.0.0.1', '127.4.5.6', '::1', '::ffff:127.0.0.1'])('answers a loopback client (%s)', async (ip) => {
    const res = await fastify.inject({ method: 'GET', url: '/admin/keys', remoteAddress: ip });
    expect(res.statusCode).toBe(200);
  });

  it('leaves /v1, /health and /metrics open to remote clients', async () => {
    for (const url of ['/v1/models', '/health/live', '/metrics']) {
      expect([url, (await fastify.inject({ method: 'GET', url, remoteAddress: REMOTE_V4 })).statusCode]).toEqual([url, 200]);
    }
  });
});

describe('admin API with admin keys: a remote client with the key is served', () => {
  let gw: StartedGateway;
  beforeAll(async () => {
    gw = await startGateway({ config: config([ADMIN_KEY]) });
  });
  afterAll(() => gw.close());

  it('answers a remote client that presents the key, and 401s one without', async () => {
    const fastify = gw.app.getHttpAdapter().getInstance();
    const withKey = await fastify.inject({ url: '/admin/keys', remoteAddress: REMOTE_V4, headers: { 'x-api-key': ADMIN_KEY } });
    expect(withKey.statusCode).toBe(200);
    expect((await fastify.inject({ url: '/admin/keys', remoteAddress: REMOTE_V4 })).statusCode).toBe(401);
  });
});

describe('admin bodies are validated', () => {
  let gw: StartedGateway;
  beforeAll(async () => {
    gw = await startGateway({ config: config([]) });
  });
  afterAll(() => gw.close());

  const post = async (path: string, body: string, method = 'POST') => {
    const res = await fetch(gw.url + path, { method, headers: { 'content-type': 'application/json' }, body });
    return {
      status: res.status,
      body: (await res.json()) as { error: { message: string; type: string; param: string | null; code: string } },
    };
  };
  const enabled = async () =>
    ((await (await fetch(`${gw.url}/admin/providers`)).json()) as { providers: Array<{ enabled: boolean }> }).providers[0].enabled;

  it('refuses a reason that is not a string, naming the field, and disables nothing', async () => {
    const res = await post('/admin/providers/mock/disable', '{"reason": 42}');
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ type: 'invalid_request_error', param: 'reason', code: 'invalid_body' });
    expect(await enabled()).toBe(true);
  });

  it('refuses an unknown field instead of ignoring it', async () => {
    const res = await post('/admin/providers/mock/disable', '{"reason": "maintenance", "until": "tomorrow"}');
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ param: 'until', code: 'invalid_body' });
    expect(res.body.error.message).toContain('until');
    expect(await enabled()).toBe(true);
  });

  it('refuses a body that is not an object', async () => {
    const res = await post('/admin/providers/mock/disable', '[1,2]');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_body');
  });

  it('accepts a valid body, and no body at all', async () => {
    expect((await post('/admin/providers/mock/disable', '{"reason": "maintenance"}')).status).toBe(200);
    expect(await enabled()).toBe(false);
    expect((await fetch(`${gw.url}/admin/providers/mock/enable`, { method: 'POST' })).status).toBe(200);
    expect(await enabled()).toBe(true);
  });

  it('a prompt update names a non-string system_prompt as the param', async () => {
    const res = await post('/admin/prompts/basic_react', '{"system_prompt": 7}', 'PUT');
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ param: 'system_prompt', code: 'invalid_body' });
  });
});

describe('the address bound', () => {
  it('is loopback unless HOST says otherwise, and is reported as bound', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, EVENT_STORE_URL: 'memory:' };
    delete env.HOST;
    const gateway = await createGateway({
      config: loadConfig({ text: 'providers: { mock: { type: mock } }\nkeeper: { enabled: false }\n', env }),
      env,
      port: 0,
      logger: ['error'],
    });
    try {
      expect(gateway.bound).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(gateway.url).toBe(`http://${gateway.bound}`);
    } finally {
      await gateway.close();
    }
  });
});
