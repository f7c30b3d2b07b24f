import { startGateway, type StartedGateway } from '../../support/start-gateway';

const CLIENT_KEY = 'sb-cors-client-key-0001';
const ADMIN_KEY = 'sb-cors-admin-key-0001';
const APP = 'https://app.example.com';
const LATER = 'http://localhost:5173';

describe('cors.origins', () => {
  let gw: StartedGateway;

  beforeAll(async () => {
    gw = await startGateway({
      config: {
        auth: { client_keys: [CLIENT_KEY], admin_keys: [{ name: 'ops', key: ADMIN_KEY }] },
        providers: { mock: { type: 'mock' } },
        models: { 'mock-fast': { chain: [{ provider: 'mock', model: 'mock-1' }] } },
        cors: { origins: [APP] },
        keeper: { enabled: false },
      },
    });
  });
  afterAll(() => gw?.close());

  const preflight = (origin: string) =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
  const chat = (headers: Record<string, string>) =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model: 'mock-fast', messages: [{ role: 'user', content: 'hi' }] }),
    });

  it('answers a preflight from a configured origin without a key', async () => {
    const res = await preflight(APP);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')).toBe('authorization, content-type');
  });

  it("lets the page read the answer and the gateway's headers, and a 401 too", async () => {
    const ok = await chat({ origin: APP, authorization: `Bearer ${CLIENT_KEY}` });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(APP);
    expect(ok.headers.get('access-control-expose-headers')).toContain('x-switchboard-provider');
    const refused = await chat({ origin: APP });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(APP);
  });

  it('gives no CORS header to another origin, nor to a caller that sends no Origin', async () => {
    const other = await preflight('https://evil.example');
    expect(other.status).not.toBe(204);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const server = await chat({ authorization: `Bearer ${CLIENT_KEY}` });
    expect(server.status).toBe(200);
    expect(server.headers.get('access-control-allow-origin')).toBeNull();
    expect(server.headers.get('vary')).toBeNull();
  });

  it('follows a config change at once, without a restart', async () => {
    expect((await preflight(LATER)).status).not.toBe(204);
    const admin = { 'x-api-key': ADMIN_KEY };
    const current = (await (await fetch(`${gw.url}/admin/config`, { headers: admin })).json()) as {
      revision: number;
      config: Record<string, unknown>;
    };
    const put = await fetch(`${gw.url}/admin/config`, {
      method: 'PUT',
      headers: { ...admin, 'content-type': 'application/json', 'if-match': `"${current.revision}"` },
      body: JSON.stringify({ config: { ...current.config, cors: { origins: [APP, LATER] } } }),
    });
    expect(put.status).toBe(200);
    const res = await preflight(LATER);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(LATER);
  });

  it('refuses an origin that is not one, by path', async () => {
    const res = await fetch(`${gw.url}/admin/config/validate`, {
      method: 'POST',
      headers: { 'x-api-key': ADMIN_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ config: { providers: { mock: { type: 'mock' } }, cors: { origins: ['https://app.example.com/path'] } } }),
    });
    const body = (await res.json()) as { valid: boolean; errors: string[] };
    expect(body.valid).toBe(false);
    expect(body.errors).toEqual([expect.stringMatching(/^cors\.origins\[0\]: must be '\*' or an origin/)]);
  });
});
