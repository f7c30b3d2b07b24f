import { startGateway, type StartedGateway } from '../../support/start-gateway';

const CLIENT_KEY = 'sb-client-key-2f8e1c7a9d';
const ADMIN_KEY = 'sb-admin-key-91b3e04c55';

/** Every admin route the OpenAPI document lists, with path parameters filled in. */
async function adminRoutes(url: string): Promise<Array<{ method: string; path: string }>> {
  const doc = (await (await fetch(`${url}/docs-json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(doc.paths)
    .filter(([path]) => path.startsWith('/admin'))
    .flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => ({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, '0123456789abcdef') })),
    );
}

describe('auth', () => {
  let gw: StartedGateway;
  beforeAll(async () => {
    gw = await startGateway({
      config: {
        auth: { client_keys: [CLIENT_KEY], admin_keys: [ADMIN_KEY] },
        providers: { mock: { type: 'mock' } },
        models: { 'mock-fast': { chain: [{ provider: 'mock', model: 'mock-1' }] } },
        keeper: { enabled: false },
      },
    });
  });
  afterAll(() => gw.close());

  const call = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
    fetch(gw.url + path, {
      method,
      headers: { ...headers, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
      ...(method === 'POST' ? { body: '{}' } : {}),
    });

  describe('/v1 with client keys configured', () => {
    it('refuses a request without a key with a 401 in the OpenAI error shape', async () => {
      const res = await call('/v1/models');
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({
        error: { message: expect.any(String), type: 'invalid_request_error', param: null, code: 'invalid_api_key' },
      });
    });

    it('refuses a wrong key without echoing it', async () => {
      const res = await call('/v1/models', { authorization: 'Bearer sb-client-key-WRONG' });
      expect(res.status).toBe(401);
      const text = await res.text();
      expect(JSON.parse(text).error).toMatchObject({ type: 'authentication_error', code: 'invalid_api_key', param: null });
      expect(text).not.toContain('sb-client-key-WRONG');
    });

    it('refuses the admin key (each surface has its own keys)', async () => {
      expect((await call('/v1/models', { authorization: `Bearer ${ADMIN_KEY}` })).status).toBe(401);
    });

    it('accepts the client key as a Bearer token or in x-api-key', async () => {
      const bearer = await call('/v1/models', { authorization: `Bearer ${CLIENT_KEY}` });
      expect(bearer.status).toBe(200);
      const header = await call('/v1/models', { 'x-api-key': CLIENT_KEY });
      expect(header.status).toBe(200);
    });

    it('checks the key before reading the body', async () => {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{not json',
      });
      expect(res.status).toBe(401);
    });
  });

  describe('/admin with admin keys configured', () => {
    it('every admin route listed in the OpenAPI document refuses a request without the admin key', async () => {
      const routes = await adminRoutes(gw.url);
      expect(routes.length).toBeGreaterThanOrEqual(6);
      for (const { method, path } of routes) {
        const none = await call(path, {}, method);
        expect([path, none.status]).toEqual([path, 401]);
        const client = await call(path, { authorization: `Bearer ${CLIENT_KEY}` }, method);
        expect([path, client.status]).toEqual([path, 401]);
        const withAdmin = await call(path, { authorization: `Bearer ${ADMIN_KEY}` }, method);
        expect([path, withAdmin.status]).not.toEqual([path, 401]);
      }
    });

    it('an unknown admin path is refused too (no route map leaks to strangers)', async () => {
      expect((await call('/admin/not-a-route')).status).toBe(401);
      expect((await call('/admin/not-a-route', { 'x-api-key': ADMIN_KEY })).status).toBe(404);
    });

    it('the admin key opens the admin API', async () => {
      const res = await call('/admin/keys', { 'x-api-key': ADMIN_KEY });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { keys: unknown[] }).keys).toHaveLength(1);
    });
  });

  describe('open surfaces', () => {
    it.each(['/docs', '/docs-json', '/health/live', '/health/ready', '/metrics'])('%s needs no key', async (path) => {
      expect((await call(path)).status).toBe(200);
    });
  });
});
