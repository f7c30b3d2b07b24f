import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { natsConnectOptions } from '@switchboard/config';
import OpenAI from 'openai';
import { parse } from 'yaml';
import { waitFor } from '../support/eventually';
import { startGateway, type StartedGateway } from '../support/start-gateway';
import { reply, startScriptedUpstream, type ScriptedUpstream } from '../support/scripted-upstream';
import { describeWithNats, NATS_URL, uniquePrefix } from './support/nats';
import { PATTERNS_DIR, TWO_STEP_CALCULATION, textAction, textAnswer, toolCallCompletion } from './support/react-harness';
import { readSse, toSteps, type SseMessage, type StreamedStep } from './support/sse-client';
import { startToolServerProcess, type ToolServerProcess } from './support/tool-server-process';

const ADMIN_KEY = 'admin-e2e-secret';
const MODEL = 'scripted-model';

/** One agent alias per scenario, each on its own profile and key, so the upstream's scripts never cross. */
const AGENTS: Record<string, Record<string, unknown>> = {
  multi: {},
  recover: {},
  native: {},
  limit: { max_steps: 2 },
  nested: { tools: ['calculator', 'ask_agent'] },
  gone: {},
  chat: {},
  chatfail: { max_steps: 1 },
  prompt: { pattern: 'deepseek_react' },
};

type Message = { role: string; content: string | null; tool_call_id?: string };
const messagesOf = (body: unknown): Message[] => (body as { messages: Message[] }).messages;

describeWithNats('ReAct through the gateway: scripted model, the tool server as its own process over real NATS', () => {
  let upstream: ScriptedUpstream;
  let toolServer: ToolServerProcess;
  let gw: StartedGateway;
  let nc: NatsConnection;
  let patternsDir: string;
  const published: Array<{ subject: string; data: Record<string, unknown> }> = [];
  // Steps go out under the gateway's subject prefix, like its other analytics.
  const subjectPrefix = `${uniquePrefix()}.sb`;

  beforeAll(async () => {
    const prefix = uniquePrefix();
    upstream = await startScriptedUpstream();
    toolServer = await startToolServerProcess({ subjectPrefix: prefix });
    // Prompts are written back to their files: the gateway gets a copy of the shipped patterns.
    patternsDir = mkdtempSync(join(tmpdir(), 'patterns-'));
    cpSync(PATTERNS_DIR, patternsDir, { recursive: true });
    nc = await connect(natsConnectOptions(NATS_URL));
    nc.subscribe(`${subjectPrefix}.react.>`, {
      callback: (_err, msg) => void published.push({ subject: msg.subject, data: msg.json<Record<string, unknown>>() }),
    });
    await nc.flush();
    gw = await startGateway({
      config: {
        auth: { admin_keys: [ADMIN_KEY] },
        providers: Object.fromEntries(
          Object.keys(AGENTS).map((name) => [`up_${name}`, { type: 'openai', base_url: upstream.baseUrl, keys: [`sk-${name}`] }]),
        ),
        models: {
          plain: { chain: [{ provider: 'up_multi', model: MODEL }] },
          ...Object.fromEntries(
            Object.entries(AGENTS).map(([name, extra]) => [
              `agent-${name}`,
              { reasoning_mode: 'react', pattern: 'basic_react', ...extra, chain: [{ provider: `up_${name}`, model: MODEL }] },
            ]),
          ),
        },
        react: { patterns_dir: patternsDir, step_timeout_ms: 10_000, total_timeout_ms: 30_000 },
        // No probes: every upstream request a test counts is one the agent made.
        keeper: { enabled: false },
      },
      env: { NATS_URL, NATS_TOOLS_PREFIX: prefix, NATS_SUBJECT_PREFIX: subjectPrefix },
    });
  });

  afterAll(async () => {
    await gw?.close();
    await toolServer?.stop();
    await nc?.drain();
    await upstream?.close();
    if (patternsDir) rmSync(patternsDir, { recursive: true, force: true });
  });

  const post = (path: string, body: unknown, init: RequestInit = {}) =>
    fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), ...init });

  /** Runs a session over HTTP and returns every streamed event, parsed. */
  async function runSession(model: string, question: string): Promise<StreamedStep[]> {
    const response = await post('/v1/react/sessions', { model, messages: [{ role: 'user', content: question }] });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    return toSteps(await readSse(response));
  }

  const replay = async (id: string) => {
    const response = await fetch(`${gw.url}/v1/react/sessions/${id}`);
    expect(response.status).toBe(200);
    return (await response.json()) as { id: string; status: string; events: StreamedStep[] };
  };

  /** What NATS delivered for a session, once `count` messages are in. */
  async function publishedFor(id: string, count: number) {
    const mine = () => published.filter((m) => m.subject.startsWith(`${subjectPrefix}.react.${id}.`));
    await waitFor(`${count} NATS messages for ${id}`, () => mine().length >= count);
    return mine();
  }

  describe('POST /v1/react/sessions', () => {
    it('solves a multi-step calculation: streamed steps, the same replay, and each step on NATS', async () => {
      upstream.script('sk-multi', ...TWO_STEP_CALCULATION.modelReplies.map((text) => reply.chat(text)));
      const steps = await runSession('agent-multi', TWO_STEP_CALCULATION.question);

      const id = steps[0].data.id as string;
      expect(steps).toEqual(TWO_STEP_CALCULATION.timeline(id));

      // The model was asked through the alias's chain: the profile's model name, the pattern's prompt, the tools.
      const calls = upstream.callsFor('sk-multi');
      expect(calls.map((c) => [c.path, (c.body as { model: string }).model])).toEqual(Array(3).fill(['/v1/chat/completions', MODEL]));
      expect(messagesOf(calls[0].body)[0].content).toContain('Question: What is 12 * 7 + 16?');
      expect(messagesOf(calls[1].body).at(-1)).toEqual({ role: 'user', content: 'Observation: 84' });

      await expect(replay(id)).resolves.toEqual({ id, status: 'finished', events: steps });

      const onNats = await publishedFor(id, steps.length - 1);
      expect(onNats.map((m) => m.subject)).toEqual(steps.slice(1).map((s) => `${subjectPrefix}.react.${id}.${s.type}`));
      expect(onNats.map((m) => m.data)).toEqual(steps.slice(1).map((s) => ({ ...s.data, sessionId: id })));
    });

    it('recovers from a tool error and a malformed step, both fed back as observations', async () => {
      upstream.script(
        'sk-recover',
        reply.chat(textAction('Divide.', 'calculator', { expression: '10 / (5 - 5)' })),
        reply.chat('Hmm, I am not sure what to do.'),
        reply.chat(textAction('Divide by 5 instead.', 'calculator', { expression: '10 / 5' })),
        reply.chat(textAnswer('Done.', '2')),
      );
      const steps = await runSession('agent-recover', 'Divide 10 by 5');

      expect(steps.filter((s) => s.type === 'observation').map((s) => s.data)).toEqual([
        { tool: 'calculator', error: 'division by zero', step: 1 },
        { tool: null, error: expect.stringContaining("invalid step: no 'Action:' or 'Final Answer:' found"), step: 2 },
        { tool: 'calculator', output: 2, step: 3 },
      ]);
      expect(steps.at(-1)).toEqual({ type: 'answer', data: { content: '2', step: 4 } });
      const calls = upstream.callsFor('sk-recover').map((c) => messagesOf(c.body));
      expect(calls[1].at(-1)).toEqual({ role: 'user', content: 'Observation: error: division by zero' });
      expect(calls[2].at(-1)?.content).toContain('Observation: error: invalid step');
    });

    it('uses native tool calls when the model makes them, and then takes its plain reply as the answer', async () => {
      upstream.script(
        'sk-native',
        reply.json(toolCallCompletion([{ id: 'call_1', name: 'calculator', args: { expression: '2 ^ 8' } }], 'Let me compute.')),
        reply.chat('256 is the answer.'),
      );
      const steps = await runSession('agent-native', '2 to the 8th?');

      expect(steps.slice(1)).toEqual([
        { type: 'thought', data: { text: 'Let me compute.', step: 1 } },
        { type: 'action', data: { tool: 'calculator', input: { expression: '2 ^ 8' }, step: 1 } },
        { type: 'observation', data: { tool: 'calculator', output: 256, step: 1 } },
        { type: 'answer', data: { content: '256 is the answer.', step: 2 } },
      ]);
      expect(messagesOf(upstream.callsFor('sk-native')[1].body).at(-1)).toEqual({ role: 'tool', tool_call_id: 'call_1', content: '256' });
    });

    it("ends at the alias's step limit with an error, recorded as failed", async () => {
      upstream.always('sk-limit', reply.chat(textAction('Again.', 'calculator', { expression: '1 + 1' })));
      const steps = await runSession('agent-limit', 'loop forever');

      expect(steps.at(-1)).toEqual({ type: 'error', data: { message: 'step limit of 2 reached', step: 2 } });
      expect(steps.filter((s) => s.type === 'action')).toHaveLength(2);
      expect(upstream.callsFor('sk-limit')).toHaveLength(2);
      await expect(replay(steps[0].data.id as string)).resolves.toMatchObject({ status: 'failed', events: steps });
    });

    it('runs ask_agent as a nested session, replayable and published under its own id', async () => {
      upstream.script(
        'sk-nested',
        reply.chat(textAction('Delegate.', 'ask_agent', { question: 'What is 6 * 7?' })),
        reply.chat(textAction('Multiply.', 'calculator', { expression: '6 * 7' })),
        reply.chat(textAnswer('Easy.', '42')),
        reply.chat(textAnswer('The helper knows.', 'It is 42.')),
      );
      const steps = await runSession('agent-nested', 'Ask a helper for 6*7');

      expect(steps.at(-1)).toEqual({ type: 'answer', data: { content: 'It is 42.', step: 2 } });
      const observation = steps.find((s) => s.type === 'observation')!.data;
      const childId = (observation.output as { sessionId: string }).sessionId;
      expect(observation).toEqual({ tool: 'ask_agent', output: { answer: '42', sessionId: childId }, step: 1 });
      expect(messagesOf(upstream.callsFor('sk-nested')[1].body).at(-1)).toEqual({ role: 'user', content: 'What is 6 * 7?' });

      const child = await replay(childId);
      expect(child.status).toBe('finished');
      expect(child.events.map((e) => e.type)).toEqual(['session', 'thought', 'action', 'observation', 'thought', 'answer']);
      const onNats = await publishedFor(childId, 5);
      expect(onNats.map((m) => m.subject.split('.').at(-1))).toEqual(['thought', 'action', 'observation', 'thought', 'answer']);
    });

    it('stops the session when the client disconnects: the model call is cancelled and no other follows', async () => {
      upstream.script('sk-gone', reply.chat(textAction('Think.', 'calculator', { expression: '1 + 1' })), reply.hang());
      upstream.always('sk-gone', reply.chat(textAnswer('late', 'late')));
      const client = new AbortController();
      const response = await post(
        '/v1/react/sessions',
        { model: 'agent-gone', messages: [{ role: 'user', content: 'bye' }] },
        { signal: client.signal },
      );
      const seen: SseMessage[] = [];
      const reading = readSse(response, (m) => void seen.push(m)).catch(() => undefined);
      await waitFor('the second model call', () => upstream.callsFor('sk-gone').length === 2);
      client.abort();
      await reading;
      await upstream.waitForClientClose(upstream.callsFor('sk-gone')[1]);

      const id = JSON.parse(seen[0].data).id as string;
      await waitFor('the session to stop', async () => (await replay(id)).status !== 'running');
      const session = await replay(id);
      expect(session.status).toBe('failed');
      expect(session.events.at(-1)).toEqual({ type: 'error', data: { message: 'client disconnected', step: 2 } });
      expect(session.events.slice(0, seen.length)).toEqual(toSteps(seen));
      expect(upstream.callsFor('sk-gone')).toHaveLength(2);
    });

    it('answers bad requests in the OpenAI error shape', async () => {
      const noMessages = await post('/v1/react/sessions', { model: 'agent-multi' });
      expect(noMessages.status).toBe(400);
      await expect(noMessages.json()).resolves.toEqual({
        error: { message: "Missing required parameter: 'messages'.", type: 'invalid_request_error', param: 'messages', code: null },
      });

      const unknown = await post('/v1/react/sessions', { model: 'nope', messages: [{ role: 'user', content: 'hi' }] });
      expect(unknown.status).toBe(404);
      await expect(unknown.json()).resolves.toMatchObject({ error: { param: 'model', code: 'model_not_found' } });

      const plain = await post('/v1/react/sessions', { model: 'plain', messages: [{ role: 'user', content: 'hi' }] });
      expect(plain.status).toBe(400);
      await expect(plain.json()).resolves.toMatchObject({ error: { param: 'model', code: 'not_an_agent', type: 'invalid_request_error' } });

      const missing = await fetch(`${gw.url}/v1/react/sessions/no-such-session`);
      expect(missing.status).toBe(404);
      await expect(missing.json()).resolves.toEqual({
        error: {
          message: "No ReAct session with id 'no-such-session'.",
          type: 'invalid_request_error',
          param: 'id',
          code: 'session_not_found',
        },
      });
    });
  });

  describe('an agent alias on /v1/chat/completions', () => {
    const question = { role: 'user' as const, content: 'What is 6 * 7?' };
    const script = () =>
      upstream.script(
        'sk-chat',
        reply.chat(textAction('Multiply.', 'calculator', { expression: '6 * 7' })),
        reply.chat(textAnswer('Done.', 'It is 42.')),
      );

    it('answers a chat.completion with the final answer (official SDK), the session named in a header', async () => {
      script();
      const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const { data, response } = await client.chat.completions.create({ model: 'agent-chat', messages: [question] }).withResponse();

      expect(data.object).toBe('chat.completion');
      expect(data.model).toBe('agent-chat');
      expect(data.choices).toEqual([
        { index: 0, message: { role: 'assistant', content: 'It is 42.' }, finish_reason: 'stop', logprobs: null },
      ]);
      const session = await replay(response.headers.get('x-switchboard-session')!);
      expect(session.status).toBe('finished');
      expect(session.events.map((e) => e.type)).toEqual(['session', 'thought', 'action', 'observation', 'thought', 'answer']);
    });

    it('streams chat.completion.chunks of the answer, then [DONE]', async () => {
      script();
      const response = await post('/v1/chat/completions', { model: 'agent-chat', stream: true, messages: [question] });
      expect(response.status).toBe(200);
      const messages = await readSse(response);

      expect(messages.at(-1)).toEqual({ data: '[DONE]' });
      const chunks = messages
        .slice(0, -1)
        .map((m) => JSON.parse(m.data) as { object: string; choices: Array<{ delta: { content?: string } }> });
      expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.choices.length === 1)).toBe(true);
      expect(chunks.map((c) => c.choices[0].delta.content ?? '').join('')).toBe('It is 42.');
    });

    it('answers a failed session with an OpenAI error, as JSON or as the stream’s last event', async () => {
      upstream.always('sk-chatfail', reply.chat(textAction('Again.', 'calculator', { expression: '1 + 1' })));
      const json = await post('/v1/chat/completions', { model: 'agent-chatfail', messages: [question] });
      expect(json.status).toBe(422);
      await expect(json.json()).resolves.toEqual({
        error: {
          message: expect.stringMatching(/^The agent 'agent-chatfail' did not answer: step limit of 1 reached \(session \S+\)\.$/),
          type: 'agent_error',
          param: null,
          code: 'react_session_failed',
        },
      });

      const stream = await post('/v1/chat/completions', { model: 'agent-chatfail', stream: true, messages: [question] });
      const messages = await readSse(stream);
      expect(messages.map((m) => m.data)).not.toContain('[DONE]');
      expect(JSON.parse(messages.at(-1)!.data)).toEqual({
        error: expect.objectContaining({ message: expect.stringContaining('step limit of 1 reached'), code: 'react_session_failed' }),
      });
    });
  });

  describe('/admin/react/patterns and /admin/prompts', () => {
    const admin = (path: string, init: RequestInit = {}, key: string | null = ADMIN_KEY) =>
      fetch(`${gw.url}${path}`, {
        ...init,
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}), ...init.headers },
      });
    const shipped = (name: string) => parse(readFileSync(join(PATTERNS_DIR, `${name}.yaml`), 'utf8')) as Record<string, string>;
    const onDisk = (name: string) => parse(readFileSync(join(patternsDir, `${name}.yaml`), 'utf8')) as Record<string, string>;

    it('lists the patterns', async () => {
      const response = await admin('/admin/react/patterns');
      expect(response.status).toBe(200);
      await expect(response.json()).resolves.toEqual({
        patterns: ['basic_react', 'deepseek_react'].map((name) => ({ name, description: shipped(name).description })),
      });
    });

    it('lists and reads the system prompts', async () => {
      const list = (await (await admin('/admin/prompts')).json()) as { prompts: Array<{ pattern: string; system_prompt: string }> };
      expect(list.prompts.map((p) => p.pattern)).toEqual(['basic_react', 'deepseek_react']);
      expect(list.prompts[0].system_prompt).toBe(shipped('basic_react').system_prompt);

      const one = await admin('/admin/prompts/basic_react');
      await expect(one.json()).resolves.toEqual({
        pattern: 'basic_react',
        description: shipped('basic_react').description,
        system_prompt: shipped('basic_react').system_prompt,
      });
      const unknown = await admin('/admin/prompts/nope');
      expect(unknown.status).toBe(404);
      await expect(unknown.json()).resolves.toMatchObject({ error: { code: 'pattern_not_found', param: 'pattern' } });
    });

    it('refuses an invalid prompt and keeps the old one', async () => {
      const response = await admin('/admin/prompts/deepseek_react', {
        method: 'PUT',
        body: JSON.stringify({ system_prompt: 'No placeholders at all.' }),
      });
      expect(response.status).toBe(400);
      await expect(response.json()).resolves.toEqual({
        error: {
          message: 'system_prompt must keep the placeholders {{tools}} and {{question}}',
          type: 'invalid_request_error',
          param: 'system_prompt',
          code: 'invalid_prompt',
        },
      });
      const missing = await admin('/admin/prompts/deepseek_react', { method: 'PUT', body: JSON.stringify({}) });
      expect(missing.status).toBe(400);
      const unknown = await admin('/admin/prompts/nope', {
        method: 'PUT',
        body: JSON.stringify({ system_prompt: '{{tools}} {{question}}' }),
      });
      expect(unknown.status).toBe(404);
      expect(onDisk('deepseek_react').system_prompt).toBe(shipped('deepseek_react').system_prompt);
    });

    it('needs the admin key for every one of these routes', async () => {
      const routes: Array<[string, string]> = [
        ['GET', '/admin/react/patterns'],
        ['GET', '/admin/prompts'],
        ['GET', '/admin/prompts/basic_react'],
        ['PUT', '/admin/prompts/basic_react'],
      ];
      for (const [method, path] of routes) {
        for (const key of [null, 'wrong-key']) {
          const response = await admin(
            path,
            { method, body: method === 'PUT' ? JSON.stringify({ system_prompt: 'HACKED {{tools}} {{question}}' }) : undefined },
            key,
          );
          expect([method, path, key, response.status]).toEqual([method, path, key, 401]);
          await expect(response.json()).resolves.toMatchObject({ error: { code: 'invalid_api_key' } });
        }
      }
      expect(onDisk('basic_react').system_prompt).toBe(shipped('basic_react').system_prompt);
    });

    it('saves a valid prompt to the store, leaves its file alone, and the next session of that pattern uses it', async () => {
      const prompt = 'You are ZEBRA, a careful agent.\nTools:\n{{tools}}\nNames: {{tool_names}}\nQuestion: {{question}}\n';
      const response = await admin('/admin/prompts/deepseek_react', { method: 'PUT', body: JSON.stringify({ system_prompt: prompt }) });
      expect(response.status).toBe(200);
      await expect(response.json()).resolves.toMatchObject({ pattern: 'deepseek_react', system_prompt: prompt });
      expect(onDisk('deepseek_react').system_prompt).toBe(shipped('deepseek_react').system_prompt);

      upstream.script('sk-prompt', reply.chat('<think>Easy.</think>\nFinal Answer: 4'));
      const steps = await runSession('agent-prompt', 'What is 2 + 2?');
      expect(steps.at(-1)).toEqual({ type: 'answer', data: { content: '4', step: 1 } });
      const system = messagesOf(upstream.callsFor('sk-prompt')[0].body)[0];
      expect(system.role).toBe('system');
      expect(system.content).toMatch(/^You are ZEBRA, a careful agent\.\nTools:\n- calculator: /);
      expect(system.content).toContain('Question: What is 2 + 2?');
    });

    it('documents the ReAct and prompt routes in /docs-json', async () => {
      const doc = (await (await fetch(`${gw.url}/docs-json`)).json()) as { paths: Record<string, Record<string, unknown>> };
      const methods = (path: string) => Object.keys(doc.paths[path] ?? {}).sort();
      expect(methods('/v1/react/sessions')).toEqual(['get', 'post']);
      expect(methods('/v1/react/sessions/{id}')).toEqual(['get']);
      expect(methods('/admin/react/patterns')).toEqual(['get']);
      expect(methods('/admin/prompts')).toEqual(['get']);
      expect(methods('/admin/prompts/{pattern}')).toEqual(['get', 'put']);
      const put = doc.paths['/admin/prompts/{pattern}'].put as { requestBody: { content: Record<string, { schema: { $ref: string } }> } };
      expect(put.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/PromptUpdateDto');
    });
  });
});
