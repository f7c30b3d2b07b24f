import { CommandBus } from '@nestjs/cqrs';
import { fingerprint } from '@switchboard/domain';
import { DomainCommand } from '../../../src/gateway/core/commands';
import { startGateway, type StartedGateway } from '../../support/start-gateway';
import { waitFor } from '../../support/eventually';

const SECRETS = { a: 'sk-admin-e2e-aaaaaaaaaaaaaaaa', b: 'sk-admin-e2e-bbbbbbbbbbbbbbbb', c: 'sk-admin-e2e-cccccccccccccccc' };
const fp = { a: fingerprint(SECRETS.a), b: fingerprint(SECRETS.b), c: fingerprint(SECRETS.c) };

interface KeyRow {
  fingerprint: string;
  provider: string;
  state: string;
  until?: string;
  reason?: string;
  updatedAt: string;
}
interface Keys {
  keys: KeyRow[];
}
interface History {
  fingerprint: string;
  events: Array<{ type: string; at: string; revision: number; data: Record<string, unknown> }>;
  next?: string;
}
interface ProviderRow {
  name: string;
  type: string;
  circuit: string;
  until?: string;
  enabled: boolean;
}
interface Providers {
  providers: ProviderRow[];
}
interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

describe('admin API', () => {
  let gw: StartedGateway;
  let commands: CommandBus;
  const get = async <T>(path: string) => {
    const res = await fetch(gw.url + path);
    return { status: res.status, body: (await res.json()) as T };
  };
  const post = async <T>(path: string, body?: unknown) => {
    const res = await fetch(gw.url + path, {
      method: 'POST',
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as T };
  };

  beforeAll(async () => {
    gw = await startGateway({
      config: {
        providers: {
          // Port 9 (discard) is never called: keys are put in states through the command bus, like the router does.
          openai_main: { type: 'openai', base_url: 'http://127.0.0.1:9/v1', keys: [SECRETS.a, SECRETS.b] },
          backup: { type: 'openai', base_url: 'http://127.0.0.1:9/v1', keys: [SECRETS.c] },
        },
        models: { 'main-gpt': { chain: [{ provider: 'openai_main', model: 'gpt-4o' }] } },
        keeper: { enabled: false },
      },
    });
    commands = gw.app.get(CommandBus);
  });
  afterAll(() => gw.close());

  describe('GET /admin/keys', () => {
    it('lists every configured key by fingerprint as available after start', async () => {
      const { status, body } = await get<Keys>('/admin/keys');
      expect(status).toBe(200);
      expect(body.keys.map((k) => [k.provider, k.fingerprint, k.state]).sort()).toEqual(
        [
          ['backup', fp.c, 'available'],
          ['openai_main', fp.a, 'available'],
          ['openai_main', fp.b, 'available'],
        ].sort(),
      );
      for (const key of body.keys) expect(new Date(key.updatedAt).toISOString()).toBe(key.updatedAt);
    });

    it('filters by provider', async () => {
      const { body } = await get<Keys>('/admin/keys?provider=backup');
      expect(body.keys.map((k) => k.fingerprint)).toEqual([fp.c]);
    });

    it('shows a quarantined key with its deadline and reason', async () => {
      const until = new Date(Date.now() + 3_600_000);
      await commands.execute(
        new DomainCommand({
          type: 'QuarantineKey',
          data: { fingerprint: fp.b, reason: 'rate_limited', until: until.toISOString(), status: 429 },
        }),
      );
      const { body } = await get<Keys>('/admin/keys?provider=openai_main');
      const b = body.keys.find((k) => k.fingerprint === fp.b);
      expect(b).toMatchObject({ state: 'quarantined', until: until.toISOString(), reason: 'rate_limited' });
      expect(body.keys.find((k) => k.fingerprint === fp.a)?.state).toBe('available');
    });

    it('rejects an `at` that is not an ISO time with a 400 naming the parameter', async () => {
      const { status, body } = await get<ErrorBody>('/admin/keys?at=yesterday');
      expect(status).toBe(400);
      expect(body.error).toMatchObject({ param: 'at', type: 'invalid_request_error' });
    });

    it('does not quote a bad `at` back (a key pasted by mistake stays out of the answer)', async () => {
      const { status, body } = await get<ErrorBody>(`/admin/keys?at=${encodeURIComponent(SECRETS.a)}`);
      expect(status).toBe(400);
      expect(body.error).toMatchObject({ param: 'at', code: 'invalid_at' });
      expect(JSON.stringify(body)).not.toContain(SECRETS.a);
    });
  });

  describe('time travel with ?at=', () => {
    it('shows the state a key had at a past time, rebuilt from its events', async () => {
      const until = new Date(Date.now() + 3_600_000);
      const [quarantined] = await commands.execute(
        new DomainCommand({
          type: 'QuarantineKey',
          data: { fingerprint: fp.a, reason: 'upstream_error', until: until.toISOString(), status: 503 },
        }),
      );
      // `at` takes the events up to and including that time: the quarantine's own, and the restore
      // only once the clock has moved past it.
      const whileQuarantined = quarantined.at;
      await waitFor('the clock past the quarantine', () => Date.now() > Date.parse(whileQuarantined));
      const restored = await post<KeyRow>(`/admin/keys/${fp.a}/restore`);
      expect(restored.status).toBe(200);
      expect(restored.body).toMatchObject({ fingerprint: fp.a, state: 'available' });

      const now = await get<Keys>('/admin/keys?provider=openai_main');
      expect(now.body.keys.find((k) => k.fingerprint === fp.a)?.state).toBe('available');

      const past = await get<Keys>(`/admin/keys?provider=openai_main&at=${encodeURIComponent(whileQuarantined)}`);
      expect(past.status).toBe(200);
      expect(past.body.keys.find((k) => k.fingerprint === fp.a)).toMatchObject({
        state: 'quarantined',
        reason: 'upstream_error',
        until: until.toISOString(),
      });

      const beforeStart = await get<Keys>('/admin/keys?at=2000-01-01T00:00:00Z');
      expect(beforeStart.body.keys).toEqual([]);
    });
  });

  describe('GET /admin/keys/:fingerprint/history', () => {
    it("tells a key's story oldest first, with store timestamps and revisions", async () => {
      const { status, body } = await get<History>(`/admin/keys/${fp.a}/history`);
      expect(status).toBe(200);
      expect(body.fingerprint).toBe(fp.a);
      expect(body.events.map((e) => e.type)).toEqual(['KeyRegistered', 'KeyQuarantined', 'KeyRestored']);
      expect(body.events.map((e) => e.revision)).toEqual([0, 1, 2]);
      expect(body.events[1].data).toMatchObject({ fingerprint: fp.a, reason: 'upstream_error', status: 503 });
      expect(body.events[2].data).toMatchObject({ reason: 'admin' });
      const times = body.events.map((e) => Date.parse(e.at));
      expect([...times].sort((x, y) => x - y)).toEqual(times);
    });

    it('pages with ?limit= and ?after=, linking each page to the next until the last', async () => {
      const first = await get<History>(`/admin/keys/${fp.a}/history?limit=2`);
      expect(first.body.events.map((e) => e.revision)).toEqual([0, 1]);
      expect(first.body.next).toBe(`/admin/keys/${fp.a}/history?after=1&limit=2`);
      const last = await get<History>(first.body.next!);
      expect(last.body.events.map((e) => e.revision)).toEqual([2]);
      expect(last.body).not.toHaveProperty('next');
      const beyond = await get<History>(`/admin/keys/${fp.a}/history?after=2`);
      expect([beyond.status, beyond.body.events]).toEqual([200, []]);
    });

    it.each([
      ['limit', 'limit=0'],
      ['limit', 'limit=1001'],
      ['limit', 'limit=ten'],
      ['after', 'after=-1'],
      ['after', 'after=1e3'],
    ])('answers 400 naming %s for ?%s', async (param, query) => {
      const { status, body } = await get<ErrorBody>(`/admin/keys/${fp.a}/history?${query}`);
      expect(status).toBe(400);
      expect(body.error).toMatchObject({ param, type: 'invalid_request_error' });
    });

    it('answers 404 for a fingerprint never registered', async () => {
      const { status, body } = await get<ErrorBody>('/admin/keys/0123456789abcdef/history');
      expect(status).toBe(404);
      expect(body.error.param).toBe('fingerprint');
    });

    it('answers 400 for something that is not a fingerprint (a secret pasted by mistake is not echoed)', async () => {
      const { status, body } = await get<ErrorBody>(`/admin/keys/${encodeURIComponent(SECRETS.a)}/history`);
      expect(status).toBe(400);
      expect(body.error.param).toBe('fingerprint');
      expect(JSON.stringify(body)).not.toContain(SECRETS.a);
    });
  });

  describe('POST /admin/keys/:fingerprint/restore', () => {
    it('ends a quarantine at once', async () => {
      const res = await post<KeyRow>(`/admin/keys/${fp.b}/restore`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ fingerprint: fp.b, state: 'available' });
      const history = await get<History>(`/admin/keys/${fp.b}/history`);
      expect(history.body.events.at(-1)).toMatchObject({ type: 'KeyRestored', data: { reason: 'admin' } });
    });

    it('answers 404 for an unknown key', async () => {
      expect((await post<ErrorBody>('/admin/keys/0123456789abcdef/restore')).status).toBe(404);
    });
  });

  describe('providers', () => {
    it('lists every profile with its type, circuit and enabled flag', async () => {
      const { status, body } = await get<Providers>('/admin/providers');
      expect(status).toBe(200);
      expect(body.providers).toEqual(
        expect.arrayContaining([
          { name: 'openai_main', type: 'openai', circuit: 'closed', enabled: true },
          { name: 'backup', type: 'openai', circuit: 'closed', enabled: true },
        ]),
      );
    });

    it('shows an open circuit with its deadline, and the closed one it was before with ?at=', async () => {
      const until = new Date(Date.now() + 3_600_000);
      const [opened] = await commands.execute(
        new DomainCommand({ type: 'OpenCircuit', data: { name: 'backup', failures: 5, until: until.toISOString() } }),
      );
      const before = new Date(Date.parse(opened.at) - 1).toISOString();
      const now = await get<Providers>('/admin/providers');
      expect(now.body.providers.find((p) => p.name === 'backup')).toEqual({
        name: 'backup',
        type: 'openai',
        circuit: 'open',
        until: until.toISOString(),
        enabled: true,
      });
      const past = await get<Providers>(`/admin/providers?at=${encodeURIComponent(before)}`);
      expect(past.body.providers.find((p) => p.name === 'backup')?.circuit).toBe('closed');
    });

    it('disables and enables a profile (recorded as events)', async () => {
      const disabled = await post<ProviderRow>('/admin/providers/openai_main/disable', { reason: 'maintenance' });
      expect(disabled.status).toBe(200);
      expect(disabled.body).toMatchObject({ name: 'openai_main', enabled: false });
      expect((await get<Providers>('/admin/providers')).body.providers.find((p) => p.name === 'openai_main')?.enabled).toBe(false);
      const enabled = await post<ProviderRow>('/admin/providers/openai_main/enable');
      expect(enabled.body).toMatchObject({ name: 'openai_main', enabled: true });
    });

    it('answers 404 for an unknown profile', async () => {
      const res = await post<ErrorBody>('/admin/providers/nope/disable');
      expect(res.status).toBe(404);
      expect(res.body.error).toMatchObject({ code: 'provider_not_found' });
    });
  });
});
