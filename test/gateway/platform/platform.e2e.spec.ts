import { SqliteEventStore, type EventStore } from '@switchboard/event-store';
import { EVENT_STORE } from '../../../src/gateway/tokens';
import { eventually } from '../../support/eventually';
import { startGateway, type StartedGateway } from '../../support/start-gateway';

const config = {
  server: { body_limit_bytes: 2048 },
  providers: { mock: { type: 'mock' } },
  models: { 'mock-fast': { chain: [{ provider: 'mock', model: 'mock-1' }] } },
  keeper: { enabled: false },
};

const errorShape = {
  error: { message: expect.any(String), type: expect.any(String), param: null, code: expect.anything() },
};

describe('platform surfaces', () => {
  let gw: StartedGateway;
  beforeAll(async () => {
    gw = await startGateway({ config });
  });
  afterAll(() => gw.close());

  describe('health', () => {
    it('/health/live says the process is up', async () => {
      const res = await fetch(`${gw.url}/health/live`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: 'ok', info: { process: { status: 'up' } } });
    });

    it('/health/ready is up once the store answers and the projections caught up', async () => {
      const res = await fetch(`${gw.url}/health/ready`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        status: 'ok',
        details: { event_store: { status: 'up' }, projections: { status: 'up' } },
      });
    });
  });

  describe('metrics', () => {
    it('exposes default and gateway metrics in Prometheus text, counting answered requests', async () => {
      const chat = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'mock-fast', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(chat.status).toBe(200);
      const res = await fetch(`${gw.url}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      const text = await res.text();
      expect(text).toContain('process_cpu_user_seconds_total');
      expect(text).toContain('# TYPE switchboard_requests_total counter');
      expect(text).toContain('# TYPE switchboard_upstream_attempts_total counter');
      expect(text).toContain('# TYPE switchboard_request_duration_seconds histogram');
      expect(text).toMatch(/switchboard_upstream_attempts_total\{provider="mock",outcome="ok"\} [1-9]/);
    });
  });

  describe('OpenAPI', () => {
    it('/docs-json lists the admin routes with bearer auth', async () => {
      const doc = (await (await fetch(`${gw.url}/docs-json`)).json()) as {
        paths: Record<string, Record<string, { tags?: string[] }>>;
        components: { securitySchemes: Record<string, unknown>; schemas: Record<string, { properties: Record<string, unknown> }> };
      };
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining([
          '/admin/keys',
          '/admin/keys/{fingerprint}/history',
          '/admin/keys/{fingerprint}/restore',
          '/admin/providers',
          '/admin/providers/{name}/disable',
          '/admin/providers/{name}/enable',
        ]),
      );
      expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(doc.paths['/admin/keys'].get.tags).toContain('admin');
      expect(doc.components.schemas.KeyDto.properties).toHaveProperty('fingerprint');
    });

    it('/docs serves the Swagger UI with its assets', async () => {
      const page = await fetch(`${gw.url}/docs`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('SwaggerUIBundle');
      const bundle = await fetch(`${gw.url}/docs/swagger-ui-bundle.js`);
      expect(bundle.status).toBe(200);
      expect(bundle.headers.get('content-type')).toContain('javascript');
      expect((await bundle.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
      expect((await fetch(`${gw.url}/docs/package.json`)).status).toBe(404);
    });
  });

  describe('errors are always in the OpenAI shape', () => {
    const post = (path: string, body: string, contentType = 'application/json') =>
      fetch(gw.url + path, { method: 'POST', headers: { 'content-type': contentType }, body });

    it('malformed JSON → 400, and the body is not quoted back', async () => {
      const res = await post('/admin/providers/mock/disable', '{"reason": "sk-secret-looking-aaaa');
      expect(res.status).toBe(400);
      const text = await res.text();
      expect(JSON.parse(text)).toEqual(errorShape);
      expect(text).not.toContain('sk-secret-looking');
    });

    it('a body over server.body_limit_bytes → 413', async () => {
      const res = await post(
        '/v1/chat/completions',
        JSON.stringify({ model: 'mock-fast', messages: [{ role: 'user', content: 'x'.repeat(4096) }] }),
      );
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'request_too_large' } });
    });

    it('an unsupported content type → 415', async () => {
      const res = await post('/admin/providers/mock/disable', '<reason/>', 'application/xml');
      expect(res.status).toBe(415);
      expect(await res.json()).toEqual(errorShape);
    });

    it('an unknown route → 404', async () => {
      const res = await fetch(`${gw.url}/nowhere`);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'unknown_route', param: null } });
    });

    it('the server keeps serving after all of that', async () => {
      expect((await fetch(`${gw.url}/health/live`)).status).toBe(200);
    });
  });

  describe('readiness when the projections stop following the store', () => {
    it('/health/ready answers 503 once a projection throws on an event after the catch-up', async () => {
      const own = await startGateway({ config });
      try {
        expect((await fetch(`${own.url}/health/ready`)).status).toBe(200);
        // Another writer on the same file appends an event no projection can read (data null).
        const writer = new SqliteEventStore(own.storePath);
        await writer.append(
          'apikey-0123456789abcdef',
          [{ type: 'KeyRegistered', data: null as unknown as Record<string, unknown> }],
          'no_stream',
        );
        await writer.close();

        const res = await eventually(
          () => fetch(`${own.url}/health/ready`),
          (r) => r.status === 503,
        );
        expect(res.status).toBe(503);
        expect(await res.json()).toMatchObject({
          status: 'error',
          error: { projections: { status: 'down' } },
          details: { event_store: { status: 'up' } },
        });
      } finally {
        await own.close();
      }
    });
  });

  describe('readiness when the store is gone', () => {
    // The projections still serve every request: pulling every replica at once would be worse.
    it('/health/ready stays 200, the event store shown degraded while the projections serve', async () => {
      const own = await startGateway({ config });
      try {
        await own.app.get<EventStore>(EVENT_STORE).close();
        const res = await fetch(`${own.url}/health/ready`);
        expect(res.status).toBe(200);
        expect(await res.json()).toMatchObject({
          status: 'ok',
          info: { event_store: { status: 'degraded', message: expect.stringMatching(/^unreachable: serving from the projections/) } },
        });
      } finally {
        await own.close();
      }
    });
  });
});
