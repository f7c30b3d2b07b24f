import { rmSync } from 'node:fs';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { natsConnectOptions } from '@switchboard/config';
import type { RequestCompletedMessage } from '../../src/gateway/analytics/request-message';
import { eventually } from '../support/eventually';
import { reply, startScriptedUpstream, type ScriptedUpstream } from '../support/scripted-upstream';
import { startGateway, type StartedGateway } from '../support/start-gateway';
import { toolCallCompletion } from '../react/support/react-harness';
import { readSse, toSteps } from '../react/support/sse-client';
import { startToolServerProcess, type ToolServerProcess } from '../react/support/tool-server-process';
import { uniquePrefix } from '../react/support/nats';
import { analyticsPrefixes, describeWithNats, NATS_URL, natsProbe, type NatsProbe } from './support';

const UPSTREAM_KEY = 'sk-agent-upstream-key-000000000001';
const CLIENT_KEY = 'sb-agent-client-key-0000000000002';
const BROKE_KEY = 'sb-broke-client-key-0000000000003';
const ADMIN_KEY = 'sb-agent-admin-key-00000000000004';
const QUESTION = 'QUESTION-TEXT-never-published-41d7';
const TOOL_ARG = '987654321 * 0 + 42';
const ANSWER = 'ANSWER-TEXT-never-published-b2e8';
const PRICES = { 'gpt-4o': { input_per_mtok: 2.5, output_per_mtok: 10 } };

/** The model's two turns: a native calculator call, then the answer; each reports its own usage. */
function scriptSession(upstream: ScriptedUpstream): void {
  upstream.script(
    UPSTREAM_KEY,
    reply.json({
      ...toolCallCompletion([{ id: 'call_1', name: 'calculator', args: { expression: TOOL_ARG } }], 'Let me compute.'),
      model: 'gpt-4o-2024-08-06',
      usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
    }),
    reply.json({
      id: 'chatcmpl-answer',
      object: 'chat.completion',
      created: 1700000000,
      model: 'gpt-4o-2024-08-06',
      choices: [{ index: 0, message: { role: 'assistant', content: ANSWER }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 150, completion_tokens: 10, total_tokens: 160 },
    }),
  );
}

/** 250 tokens in at $2.5/Mtok, 30 out at $10/Mtok. */
const SESSION_USAGE = { prompt_tokens: 250, completion_tokens: 30, total_tokens: 280 };
const SESSION_COST = 0.000925;

/**
 * A ReAct session is a /v1 request like a chat completion: one requests.completed message with the
 * tokens of all its model calls and their cost, one log line, counted in /admin/usage and charged
 * to its client's budget; and its steps go out under the same subject prefix as the analytics.
 */
describeWithNats('ReAct sessions as finished requests, over real NATS with the tool server', () => {
  let upstream: ScriptedUpstream;
  let toolServer: ToolServerProcess;
  let probe: NatsProbe;
  let steps: NatsConnection;
  let gw: StartedGateway;
  const stepSubjects: string[] = [];
  const logLines: Array<Record<string, unknown>> = [];
  const { env, streamPrefix, subjectPrefix } = analyticsPrefixes();
  const requestsStream = `${streamPrefix}SWITCHBOARD_REQUESTS`;
  const toolsPrefix = uniquePrefix();
  const config = {
    auth: {
      admin_keys: [{ name: 'ops', key: ADMIN_KEY }],
      client_keys: [
        { name: 'agents', key: CLIENT_KEY },
        // A budget the first session spends whole.
        { name: 'broke', key: BROKE_KEY, budget: { usd: 0.0005, per: 'day' } },
      ],
    },
    providers: { up: { type: 'openai', base_url: '', keys: [UPSTREAM_KEY] } },
    prices: PRICES,
    models: {
      agent: { reasoning_mode: 'react', pattern: 'basic_react', tools: ['calculator'], chain: [{ provider: 'up', model: 'gpt-4o' }] },
    },
    keeper: { enabled: false },
  };
  const gatewayEnv = { NATS_URL, NATS_TOOLS_PREFIX: toolsPrefix, LOG_LEVEL: 'info', ...env };

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    config.providers.up.base_url = upstream.baseUrl;
    toolServer = await startToolServerProcess({ subjectPrefix: toolsPrefix });
    probe = await natsProbe();
    steps = await connect(natsConnectOptions(NATS_URL));
    steps.subscribe(`${subjectPrefix}.react.>`, { callback: (_err, msg) => void stepSubjects.push(msg.subject) });
    await steps.flush();
    gw = await startGateway({
      config,
      env: gatewayEnv,
      logStream: {
        write: (text: string) => {
          for (const line of text.split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as Record<string, unknown>);
        },
      },
    });
  });
  afterAll(async () => {
    await gw?.close();
    await toolServer?.stop();
    await steps?.drain();
    await upstream?.close();
    await probe?.close(streamPrefix);
  });

  const startSession = (key: string) =>
    fetch(`${gw.url}/v1/react/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: 'agent', messages: [{ role: 'user', content: QUESTION }] }),
    });
  const completed = (count: number) =>
    eventually(
      () => probe.consumeAll<RequestCompletedMessage>(requestsStream),
      (m) => m.length >= count,
    );

  it('a session with a tool call is one requests.completed message: its model calls summed, their cost, no text of it', async () => {
    scriptSession(upstream);
    const response = await startSession(CLIENT_KEY);
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id');
    const session = toSteps(await readSse(response));
    expect(session.find((s) => s.type === 'observation')?.data).toEqual({ tool: 'calculator', output: 42, step: 1 });
    expect(session.at(-1)).toEqual({ type: 'answer', data: { content: ANSWER, step: 2 } });

    const messages = await completed(1);
    expect(messages).toHaveLength(1);
    const [message] = messages;
    expect(message.subject).toBe(`${subjectPrefix}.requests.completed`);
    expect(message.data).toMatchObject({
      request_id: requestId,
      client: 'agents',
      endpoint: '/v1/react/sessions',
      alias: 'agent',
      stream: true,
      profile: 'up',
      model: 'gpt-4o',
      status: 200,
      usage: SESSION_USAGE,
      cost_usd: SESSION_COST,
    });
    // Both model calls, each answered by the one key.
    expect(message.data.attempts.map((a) => [a.profile, a.outcome, a.status])).toEqual([
      ['up', 'ok', 200],
      ['up', 'ok', 200],
    ]);
    expect(message.data.ttft_ms).toEqual(expect.any(Number));
    expect(message.data.latency_ms).toBeGreaterThanOrEqual(message.data.ttft_ms!);
    for (const text of [QUESTION, TOOL_ARG, ANSWER, UPSTREAM_KEY, CLIENT_KEY, 'Let me compute']) expect(message.raw).not.toContain(text);

    // The steps went out under the same subject prefix as the analytics.
    const id = session[0].data.id as string;
    const mine = await eventually(
      () => stepSubjects.filter((s) => s.includes(id)),
      (subjects) => subjects.length >= session.length - 1,
    );
    expect(mine).toEqual(session.slice(1).map((s) => `${subjectPrefix}.react.${id}.${s.type}`));
  });

  it('writes one log line for the session, with its tokens', () => {
    const mine = logLines.filter((l) => l.msg === 'request finished' && l.endpoint === '/v1/react/sessions');
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ client: 'agents', alias: 'agent', status: 200, tokens: { input: 250, output: 30, total: 280 } });
    const all = JSON.stringify(logLines);
    for (const text of [QUESTION, ANSWER, UPSTREAM_KEY, CLIENT_KEY]) expect(all).not.toContain(text);
  });

  it('an agent alias on /v1/chat/completions is one record too', async () => {
    scriptSession(upstream);
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}` },
      body: JSON.stringify({ model: 'agent', messages: [{ role: 'user', content: QUESTION }] }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0].message.content).toBe(ANSWER);
    const messages = await completed(2);
    expect(messages).toHaveLength(2);
    expect(messages[1].data).toMatchObject({
      request_id: response.headers.get('x-request-id'),
      client: 'agents',
      endpoint: '/v1/chat/completions',
      alias: 'agent',
      stream: false,
      status: 200,
      ttft_ms: null,
      usage: SESSION_USAGE,
      cost_usd: SESSION_COST,
    });
  });

  it('charges the session to its client: over budget, the next session is refused with insufficient_quota', async () => {
    scriptSession(upstream);
    const first = await startSession(BROKE_KEY);
    expect(first.status).toBe(200);
    expect(toSteps(await readSse(first)).at(-1)?.type).toBe('answer');
    // The spend was charged from the session's record as its stream ended.
    const refused = await startSession(BROKE_KEY);
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: Record<string, unknown> }).error).toMatchObject({
      type: 'insufficient_quota',
      code: 'insufficient_quota',
    });
    // No model was asked for the refused session.
    expect(upstream.callsFor(UPSTREAM_KEY)).toHaveLength(6);
    const messages = await completed(4);
    expect(messages.map((m) => [m.data.client, m.data.endpoint, m.data.status])).toEqual([
      ['agents', '/v1/react/sessions', 200],
      ['agents', '/v1/chat/completions', 200],
      ['broke', '/v1/react/sessions', 200],
      ['broke', '/v1/react/sessions', 429],
    ]);
  });

  it('/admin/usage counts the sessions with their tokens and cost', async () => {
    // The last minute is recorded at shutdown; a second gateway on the same store reads it back.
    await gw.close({ keep: true });
    const dir = gw.dir;
    gw = await startGateway({ config, env: { ...gatewayEnv, EVENT_STORE_URL: `sqlite:${gw.storePath}` } });
    try {
      const from = new Date(Date.now() - 3_600_000).toISOString();
      const to = new Date(Date.now() + 60_000).toISOString();
      const usage = await fetch(`${gw.url}/admin/usage?from=${from}&to=${to}&by=client`, {
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
      });
      expect(usage.status).toBe(200);
      const body = (await usage.json()) as { rows: Array<Record<string, unknown>> };
      expect(body.rows).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            key: 'agents',
            requests: 2,
            errors: 0,
            input_tokens: 500,
            output_tokens: 60,
            cost_usd: expect.closeTo(2 * SESSION_COST, 10),
          }),
          expect.objectContaining({
            key: 'broke',
            requests: 2,
            errors: 1,
            input_tokens: 250,
            output_tokens: 30,
            cost_usd: expect.closeTo(SESSION_COST, 10),
          }),
        ]),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
