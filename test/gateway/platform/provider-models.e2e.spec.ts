import { fingerprint } from '@switchboard/domain';
import { reply, startScriptedUpstream, type ScriptedUpstream } from '../../support/scripted-upstream';
import { startGateway, type StartedGateway } from '../../support/start-gateway';

const DEAD = 'sk-models-dead-00000000000001';
const GOOD = 'sk-models-good-00000000000002';
const CLAUDE = 'sk-ant-models-0000000000003';
const BROKEN = 'sk-models-broken-000000000004';

describe('GET /admin/providers/<name>/models', () => {
  let upstream: ScriptedUpstream;
  let gw: StartedGateway;
  const answers: string[] = [];

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    upstream.always(DEAD, reply.unauthorized());
    upstream.always(
      GOOD,
      reply.json({
        object: 'list',
        data: [
          { id: 'gpt-4o', object: 'model', created: 1715367049, owned_by: 'system' },
          { id: 'gpt-4o-mini', object: 'model', created: 1721172741, owned_by: 'system' },
        ],
      }),
    );
    upstream.script(
      CLAUDE,
      reply.json({
        data: [{ type: 'model', id: 'claude-sonnet-4-20250514', display_name: 'Claude Sonnet 4', created_at: '2025-05-22T00:00:00Z' }],
        has_more: true,
        first_id: 'claude-sonnet-4-20250514',
        last_id: 'claude-sonnet-4-20250514',
      }),
      reply.json({
        data: [{ type: 'model', id: 'claude-3-5-haiku-20241022', display_name: 'Claude Haiku 3.5', created_at: '2024-10-22T00:00:00Z' }],
        has_more: false,
        first_id: 'claude-3-5-haiku-20241022',
        last_id: 'claude-3-5-haiku-20241022',
      }),
    );
    upstream.always(BROKEN, reply.serverError(503));
    gw = await startGateway({
      config: {
        providers: {
          oai: { type: 'openai', base_url: upstream.baseUrl, keys: [DEAD, GOOD] },
          claude: { type: 'anthropic', base_url: upstream.url, keys: [CLAUDE] },
          broken: { type: 'openai', base_url: upstream.baseUrl, keys: [BROKEN] },
          keyless: { type: 'openai', base_url: upstream.baseUrl, keys: [] },
          local: { type: 'mock' },
        },
        models: { 'gpt-x': { chain: [{ provider: 'oai', model: 'gpt-4o' }] } },
        keeper: { enabled: false },
      },
    });
  });
  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
  });

  const models = async (name: string) => {
    const res = await fetch(`${gw.url}/admin/providers/${name}/models`);
    const text = await res.text();
    answers.push(text);
    return { status: res.status, body: JSON.parse(text) as Record<string, unknown> };
  };

  it("lists an OpenAI upstream's models through a key that works, after one that is refused", async () => {
    const res = await models('oai');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      provider: 'oai',
      type: 'openai',
      key: fingerprint(GOOD),
      models: [{ id: 'gpt-4o' }, { id: 'gpt-4o-mini' }],
    });
    expect(upstream.callsFor(GOOD).map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/models']);
  });

  it("reads every page of Anthropic's list, with display names, in the same shape", async () => {
    const res = await models('claude');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      provider: 'claude',
      type: 'anthropic',
      key: fingerprint(CLAUDE),
      models: [
        { id: 'claude-sonnet-4-20250514', display_name: 'Claude Sonnet 4' },
        { id: 'claude-3-5-haiku-20241022', display_name: 'Claude Haiku 3.5' },
      ],
    });
    expect(upstream.callsFor(CLAUDE).map((r) => r.path)).toEqual([
      '/v1/models?limit=1000',
      '/v1/models?limit=1000&after_id=claude-sonnet-4-20250514',
    ]);
  });

  it("lists the mock's models in-process", async () => {
    const res = await models('local');
    expect(res.status).toBe(200);
    expect((res.body.models as unknown[]).length).toBeGreaterThan(0);
  });

  it('is 404 for an unknown profile, 503 for one without an available key, 502 when the upstream fails', async () => {
    const unknown = await models('nowhere');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: { code: 'provider_not_found', param: 'name' } });
    const keyless = await models('keyless');
    expect(keyless.status).toBe(503);
    expect(keyless.body).toMatchObject({ error: { code: 'no_available_key' } });
    const broken = await models('broken');
    expect(broken.status).toBe(502);
    expect(broken.body).toMatchObject({ error: { code: 'upstream_error', message: expect.stringContaining(fingerprint(BROKEN)) } });
  });

  it('never shows a key in an answer', () => {
    for (const secret of [DEAD, GOOD, CLAUDE, BROKEN]) expect(answers.filter((a) => a.includes(secret))).toEqual([]);
  });
});
