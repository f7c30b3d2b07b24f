import { reply, type ScriptedUpstream, startScriptedUpstream } from '../../support/scripted-upstream';
import { startGateway, type StartedGateway } from '../../support/start-gateway';
import { readSse, toSteps } from '../../react/support/sse-client';
import { PATTERNS_DIR, textAnswer } from '../../react/support/react-harness';

const UPSTREAM_KEY = 'sk-react-limits-upstream-1';
const OTHER_ONLY = 'sb-react-limits-other-only';
const ONE_AT_A_TIME = 'sb-react-limits-one-at-a-time';
const FEW_TOKENS = 'sb-react-limits-few-tokens';
// Without NATS_URL the gateway runs the tools itself; a NATS_URL in the runner's environment must not leak in.
const NO_NATS = { NATS_URL: undefined, NATS_TOOLS_PREFIX: undefined };

/** One model turn that answers at once, reporting 300 tokens. */
const answer300 = (answer: string) =>
  reply.json({
    id: 'chatcmpl-limits',
    object: 'chat.completion',
    created: 1700000000,
    model: 'gpt-x',
    choices: [{ index: 0, message: { role: 'assistant', content: textAnswer('Easy.', answer) }, finish_reason: 'stop', logprobs: null }],
    usage: { prompt_tokens: 200, completion_tokens: 100, total_tokens: 300 },
  });

/** A ReAct session is admitted by its client's limits like a chat request, and its tokens are charged to them. */
describe("a client's limits on ReAct sessions (counters in memory)", () => {
  let upstream: ScriptedUpstream;
  let gw: StartedGateway;

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    gw = await startGateway({
      config: {
        auth: {
          client_keys: [
            { name: 'other-only', key: OTHER_ONLY, models: ['plain'] },
            { name: 'one-at-a-time', key: ONE_AT_A_TIME, max_parallel: 1 },
            { name: 'few-tokens', key: FEW_TOKENS, tpm: 500 },
          ],
        },
        providers: { up: { type: 'openai', base_url: upstream.baseUrl, keys: [UPSTREAM_KEY] } },
        models: {
          plain: { chain: [{ provider: 'up', model: 'gpt-x' }] },
          agent: { reasoning_mode: 'react', pattern: 'basic_react', tools: ['calculator'], chain: [{ provider: 'up', model: 'gpt-x' }] },
        },
        react: { patterns_dir: PATTERNS_DIR },
        keeper: { enabled: false },
      },
      env: NO_NATS,
    });
  });
  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
  });

  const session = (key: string) =>
    fetch(`${gw.url}/v1/react/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: 'agent', messages: [{ role: 'user', content: 'What is 1 + 1?' }] }),
    });
  const errorOf = async (response: Response) => ((await response.json()) as { error: Record<string, unknown> }).error;

  it("refuses an agent outside the key's models with 403, before any model call", async () => {
    const refused = await session(OTHER_ONLY);
    expect(refused.status).toBe(403);
    expect(await errorOf(refused)).toMatchObject({ type: 'permission_error', param: 'model', code: 'model_not_allowed' });
    expect(upstream.callsFor(UPSTREAM_KEY)).toHaveLength(0);
  });

  it('holds a max_parallel slot for the whole session: a second one meanwhile is refused, one after it is admitted', async () => {
    let release!: () => void;
    upstream.script(UPSTREAM_KEY, reply.held(new Promise<void>((r) => (release = r)), answer300('Two.')));
    const first = await session(ONE_AT_A_TIME);
    expect(first.status).toBe(200);
    const steps = readSse(first);
    await upstream.waitForRequests(1);

    const second = await session(ONE_AT_A_TIME);
    expect(second.status).toBe(429);
    expect(await errorOf(second)).toMatchObject({ code: 'rate_limit_exceeded' });

    release();
    expect(toSteps(await steps).at(-1)).toEqual({ type: 'answer', data: { content: 'Two.', step: 1 } });
    upstream.script(UPSTREAM_KEY, answer300('Two again.'));
    const third = await session(ONE_AT_A_TIME);
    expect(third.status).toBe(200);
    expect(toSteps(await readSse(third)).at(-1)?.type).toBe('answer');
  });

  it("charges the session's tokens to tpm: past it, the next session is refused", async () => {
    upstream.script(UPSTREAM_KEY, answer300('One.'), answer300('Two.'));
    for (let i = 0; i < 2; i++) {
      const admitted = await session(FEW_TOKENS);
      expect(admitted.status).toBe(200);
      expect(toSteps(await readSse(admitted)).at(-1)?.type).toBe('answer');
    }
    // 600 tokens charged of 500 a minute.
    const refused = await session(FEW_TOKENS);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-ratelimit-remaining-tokens')).toBe('0');
    expect(await errorOf(refused)).toMatchObject({ code: 'rate_limit_exceeded' });
  });
});
