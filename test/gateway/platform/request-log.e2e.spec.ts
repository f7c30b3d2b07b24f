import { fingerprint } from '@switchboard/domain';
import { reply, startScriptedUpstream, type ScriptedUpstream } from '../../support/scripted-upstream';
import { startGateway, type StartedGateway } from '../../support/start-gateway';
import { CapturedJsonLog } from '../../support/capturing-logger';

const LIMITED = 'sk-log-limited-0000000000000001';
const GOOD = 'sk-log-good-000000000000000002';
const CLIENT = 'sb-client-log-secret-000000003';
const ADMIN = 'sb-admin-log-secret-0000000004';

interface Line {
  level: number;
  msg: string;
  requestId?: string;
  [field: string]: unknown;
}

/** The gateway's own JSON lines, captured: one per finished /v1 request, and no secret anywhere. */
describe('structured logs', () => {
  let upstream: ScriptedUpstream;
  let gw: StartedGateway;
  const log = new CapturedJsonLog();

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    upstream.script(LIMITED, reply.rateLimited(30));
    upstream.always(GOOD, reply.chat('logged answer'));
    gw = await startGateway({
      config: {
        auth: { client_keys: [CLIENT], admin_keys: [ADMIN] },
        providers: { openai_main: { type: 'openai', base_url: upstream.baseUrl, keys: [LIMITED, GOOD] } },
        models: { 'main-gpt': { chain: [{ provider: 'openai_main', model: 'gpt-4o' }] } },
        keeper: { enabled: false },
      },
      env: { LOG_LEVEL: 'info' },
      logStream: log,
    });
  });
  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
  });

  const lines = () => log.lines<Line>();
  const chat = (id: string, headers: Record<string, string>, body: Record<string, unknown>) =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': id, ...headers },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], ...body }),
    });

  it('writes exactly one JSON line per request, with what served it and every failed attempt', async () => {
    const failover = await chat('req-failover', { authorization: `Bearer ${CLIENT}` }, { model: 'main-gpt' });
    expect(failover.status).toBe(200);
    const stream = await chat('req-stream', { 'x-api-key': CLIENT }, { model: 'main-gpt', stream: true });
    expect(await stream.text()).toContain('[DONE]');
    const unknown = await chat('req-unknown', { authorization: `Bearer ${CLIENT}` }, { model: 'no-such-alias' });
    expect(unknown.status).toBe(404);
    await fetch(`${gw.url}/admin/keys`, { headers: { 'x-api-key': ADMIN } });

    const finished = lines().filter((l) => l.msg === 'request finished');
    expect(finished.map((l) => l.requestId).sort()).toEqual(['req-failover', 'req-stream', 'req-unknown']);
    const byId = Object.fromEntries(finished.map((l) => [l.requestId, l]));

    expect(byId['req-failover']).toMatchObject({
      endpoint: '/v1/chat/completions',
      alias: 'main-gpt',
      profile: 'openai_main',
      model: 'gpt-4o',
      key: fingerprint(GOOD),
      status: 200,
      stream: false,
      attempts: [
        { profile: 'openai_main', key: fingerprint(LIMITED), status: 429, outcome: 'quarantine' },
        { profile: 'openai_main', key: fingerprint(GOOD), status: 200, outcome: 'ok' },
      ],
      tokens: { input: expect.any(Number), output: expect.any(Number), total: expect.any(Number) },
    });
    expect(byId['req-failover']).toHaveProperty('client');
    expect(byId['req-failover'].latencyMs).toEqual(expect.any(Number));
    expect(byId['req-failover'].ttftMs).toBeNull();

    expect(byId['req-stream']).toMatchObject({ stream: true, status: 200, key: fingerprint(GOOD), attempts: [{ outcome: 'ok' }] });
    expect(byId['req-stream'].ttftMs).toEqual(expect.any(Number));
    // The gateway asks the upstream for a stream's usage: its last chunk carries the counts.
    expect(byId['req-stream'].tokens).toEqual({ input: expect.any(Number), output: expect.any(Number), total: expect.any(Number) });

    expect(byId['req-unknown']).toMatchObject({ status: 404, alias: null, attempts: [] });
  });

  it('no line holds a secret: upstream keys, client or admin keys', () => {
    expect(log.text.length).toBeGreaterThan(0);
    for (const secret of [LIMITED, GOOD, CLIENT, ADMIN]) expect(log.text).not.toContain(secret);
    // Every line is JSON (Nest's own start-up lines included).
    expect(() => lines()).not.toThrow();
    expect(lines().some((l) => l.context === 'InstanceLoader')).toBe(true);
  });
});
