import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { natsConnectOptions } from '@switchboard/config';
import { fingerprint } from '@switchboard/domain';
import { SqliteEventStore } from '@switchboard/event-store';
import { replaySession } from '@switchboard/react';
import { parse } from 'yaml';
import { eventually } from '../support/eventually';
import { startGateway, type StartedGateway } from '../support/start-gateway';
import { reply, startScriptedUpstream, type ScriptedUpstream } from '../support/scripted-upstream';
import { startExternalMcpServer } from './support/external-mcp';
import { describeWithNats, NATS_URL } from './support/nats';
import { PATTERNS_DIR, textAction, textAnswer } from './support/react-harness';
import { readSse, toSteps } from './support/sse-client';

const SHIPPED_CONFIG = join(__dirname, '../../config/gateway.yaml');
// Without NATS_URL the gateway runs the tools itself; a NATS_URL in the runner's environment must not leak in.
const NO_NATS = { NATS_URL: undefined, NATS_TOOLS_PREFIX: undefined };

async function runSession(gw: StartedGateway, model: string, question: string) {
  const response = await fetch(`${gw.url}/v1/react/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: question }] }),
  });
  expect(response.status).toBe(200);
  return toSteps(await readSse(response));
}

describe('ReAct without NATS_URL: tools in the gateway process', () => {
  describe('the shipped config/gateway.yaml, offline', () => {
    let gw: StartedGateway;
    beforeAll(async () => {
      const config = parse(readFileSync(SHIPPED_CONFIG, 'utf8')) as { providers: Record<string, Record<string, unknown>> };
      // No key of the developer's own may take part: the shipped file reads keys/openai_main.keys.
      delete config.providers.openai_main.keys_file;
      gw = await startGateway({ config, env: { ...NO_NATS, OPENAI_API_KEY: '' } });
    });
    afterAll(async () => {
      await gw?.close();
    });

    it("runs the README's demo-agent session: the calculator, then the answer", async () => {
      const steps = await runSession(gw, 'demo-agent', 'What is (12 + 30) * 2?');
      expect(steps[0]).toEqual({ type: 'session', data: { id: expect.any(String) } });
      expect(steps.filter((s) => s.type === 'action' || s.type === 'observation').map((s) => s.data)).toEqual([
        { tool: 'calculator', input: { expression: '(12 + 30) * 2' }, step: 1 },
        { tool: 'calculator', output: 84, step: 1 },
      ]);
      expect(steps.at(-1)).toEqual({ type: 'answer', data: { content: 'The answer is 84.', step: 2 } });
    });

    it('answers demo-agent on /v1/chat/completions', async () => {
      const response = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'demo-agent', messages: [{ role: 'user', content: 'What is 6 * 7?' }] }),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { choices: Array<{ message: { content: string } }> };
      expect(body.choices[0].message.content).toBe('The answer is 42.');
    });
  });

  describe('a scripted model and a mounted MCP server', () => {
    let upstream: ScriptedUpstream;
    let external: Awaited<ReturnType<typeof startExternalMcpServer>>;
    let gw: StartedGateway;
    beforeAll(async () => {
      upstream = await startScriptedUpstream();
      external = await startExternalMcpServer();
      gw = await startGateway({
        config: {
          providers: {
            up: { type: 'openai', base_url: upstream.baseUrl, keys: ['sk-local'] },
            no_tools: { type: 'openai', base_url: upstream.baseUrl, keys: ['sk-no-tools'] },
            rotating: { type: 'openai', base_url: upstream.baseUrl, keys: ['sk-rot-dead', 'sk-rot-live'] },
          },
          models: {
            agent: {
              reasoning_mode: 'react',
              pattern: 'basic_react',
              tools: ['calculator', 'meteo__weather'],
              chain: [{ provider: 'up', model: 'scripted-model' }],
            },
            'rotating-agent': {
              reasoning_mode: 'react',
              pattern: 'basic_react',
              chain: [{ provider: 'rotating', model: 'scripted-model' }],
            },
            'text-agent': { reasoning_mode: 'react', pattern: 'basic_react', chain: [{ provider: 'no_tools', model: 'plain-model' }] },
          },
          tools: { mcp_servers: [{ name: 'meteo', url: external.url }] },
          react: { patterns_dir: PATTERNS_DIR },
          keeper: { enabled: false },
        },
        env: NO_NATS,
      });
    });
    afterAll(async () => {
      await gw?.close();
      await external?.close();
      await upstream?.close();
    });

    it("calls a built-in tool and the mounted server's tool, and replays the session", async () => {
      upstream.script(
        'sk-local',
        reply.chat(textAction('Check the sky.', 'meteo__weather', { city: 'Oslo' })),
        reply.chat(textAction('Count the layers.', 'calculator', { expression: '3 * 4' })),
        reply.chat(textAnswer('Done.', 'Snow, 12 layers.')),
      );
      const steps = await runSession(gw, 'agent', 'Weather in Oslo, and 3 * 4?');
      expect(steps.filter((s) => s.type === 'observation').map((s) => s.data)).toEqual([
        { tool: 'meteo__weather', output: { city: 'Oslo', sky: 'snow' }, step: 1 },
        { tool: 'calculator', output: 12, step: 2 },
      ]);
      expect(steps.at(-1)).toEqual({ type: 'answer', data: { content: 'Snow, 12 layers.', step: 3 } });
      // The model was offered only the alias's tools.
      const offered = (upstream.callsFor('sk-local')[0].body as { tools: Array<{ function: { name: string } }> }).tools;
      expect(offered.map((t) => t.function.name)).toEqual(['calculator', 'meteo__weather']);

      const id = steps[0].data.id as string;
      const replayed = await (await fetch(`${gw.url}/v1/react/sessions/${id}`)).json();
      expect(replayed).toEqual({ id, status: 'finished', events: steps });
    });

    it('lists recent sessions newest first (GET /v1/react/sessions?limit=) and refuses a limit out of range', async () => {
      upstream.script('sk-local', reply.chat(textAnswer('Easy.', 'First.')), reply.chat(textAnswer('Easy.', 'Second.')));
      const first = (await runSession(gw, 'agent', 'One?'))[0].data.id as string;
      const second = (await runSession(gw, 'agent', 'Two?'))[0].data.id as string;
      type Listed = { sessions: Array<Record<string, unknown>> };
      const list = async (query: string) => (await (await fetch(`${gw.url}/v1/react/sessions${query}`)).json()) as Listed;
      // The list follows the store through the gateway's subscription, a moment behind the append.
      const listed = await eventually(
        () => list('?limit=2'),
        (body) => body.sessions?.[1]?.id === first && body.sessions[1].status === 'finished',
      );
      expect(listed.sessions).toEqual([
        expect.objectContaining({ id: second, alias: 'agent', pattern: 'basic_react', status: 'finished', steps: 1, depth: 0 }),
        expect.objectContaining({ id: first, alias: 'agent', status: 'finished', startedAt: expect.any(String) }),
      ]);
      expect((await list('?limit=1')).sessions.map((s) => s.id)).toEqual([second]);

      const refused = await fetch(`${gw.url}/v1/react/sessions?limit=0`);
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { error: unknown }).error).toEqual(
        expect.objectContaining({ param: 'limit', code: 'invalid_limit' }),
      );
    });

    it("routes the agent's model calls like any request: a dead key is retired and the next one answers", async () => {
      upstream.always('sk-rot-dead', reply.unauthorized());
      upstream.script(
        'sk-rot-live',
        reply.chat(textAction('Add.', 'calculator', { expression: '2 + 2' })),
        reply.chat(textAnswer('Done.', '4')),
      );
      const steps = await runSession(gw, 'rotating-agent', 'What is 2 + 2?');

      expect(steps.at(-1)).toEqual({ type: 'answer', data: { content: '4', step: 2 } });
      // Two steps, least recently used first: the dead key is tried once whatever the order, then never again.
      expect(upstream.callsFor('sk-rot-dead')).toHaveLength(1);
      const keys = (await (await fetch(`${gw.url}/admin/keys?provider=rotating`)).json()) as {
        keys: Array<{ fingerprint: string; state: string }>;
      };
      expect(keys.keys.find((k) => k.fingerprint === fingerprint('sk-rot-dead'))?.state).toBe('retired');
    });

    it('falls back to the text format for a model that refuses tools, and stops offering them', async () => {
      const turns = [textAction('Multiply.', 'calculator', { expression: '6 * 7' }), textAnswer('Done.', '42')];
      upstream.always(
        'sk-no-tools',
        reply.fn((request) =>
          (request.body as { tools?: unknown }).tools
            ? reply.status(400, 'registry.ollama.ai/library/plain-model does not support tools')
            : reply.chat(turns.shift() ?? 'out of script'),
        ),
      );
      const steps = await runSession(gw, 'text-agent', 'What is 6 * 7?');

      expect(steps.slice(1)).toEqual([
        { type: 'thought', data: { text: 'Multiply.', step: 1 } },
        { type: 'action', data: { tool: 'calculator', input: { expression: '6 * 7' }, step: 1 } },
        { type: 'observation', data: { tool: 'calculator', output: 42, step: 1 } },
        { type: 'thought', data: { text: 'Done.', step: 2 } },
        { type: 'answer', data: { content: '42', step: 2 } },
      ]);
      const offered = upstream.callsFor('sk-no-tools').map((r) => (r.body as { tools?: unknown }).tools !== undefined);
      expect(offered).toEqual([true, false, false]);
    });

    describeWithNats('with a NATS server about', () => {
      let nc: NatsConnection;
      const seen: string[] = [];
      beforeAll(async () => {
        nc = await connect(natsConnectOptions(NATS_URL));
        nc.subscribe('switchboard.react.>', { callback: (_err, msg) => void seen.push(msg.subject) });
        await nc.flush();
      });
      afterAll(async () => {
        await nc?.drain();
      });

      it('publishes nothing: steps go on NATS only when NATS_URL is set', async () => {
        upstream.script('sk-local', reply.chat(textAnswer('Simple.', 'nothing to publish')));
        const steps = await runSession(gw, 'agent', 'Say something');
        expect(steps.at(-1)?.type).toBe('answer');
        // A round trip through the server gives anything already published the time to arrive.
        await nc.flush();
        const id = steps[0].data.id as string;
        expect(seen.filter((subject) => subject.includes(id))).toEqual([]);
      });
    });
  });

  it('stops a session still running when the gateway shuts down, and records why', async () => {
    const upstream = await startScriptedUpstream();
    upstream.script('sk-stop', reply.chat(textAction('Think.', 'calculator', { expression: '1 + 1' })), reply.hang());
    const gw = await startGateway({
      config: {
        providers: { up: { type: 'openai', base_url: upstream.baseUrl, keys: ['sk-stop'] } },
        models: { agent: { reasoning_mode: 'react', pattern: 'basic_react', chain: [{ provider: 'up', model: 'scripted-model' }] } },
        react: { patterns_dir: PATTERNS_DIR },
        keeper: { enabled: false },
      },
      env: NO_NATS,
    });
    try {
      const response = await fetch(`${gw.url}/v1/react/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'agent', messages: [{ role: 'user', content: 'think long' }] }),
      });
      const reading = readSse(response);
      await upstream.waitForRequests(2);
      await gw.close({ keep: true });
      const steps = toSteps(await reading);

      expect(steps.at(-1)).toEqual({ type: 'error', data: { message: 'the gateway is shutting down', step: 2 } });
      const store = new SqliteEventStore(gw.storePath);
      await expect(replaySession(store, steps[0].data.id as string)).resolves.toEqual({
        id: steps[0].data.id,
        status: 'failed',
        events: steps,
      });
      await store.close();
    } finally {
      rmSync(gw.dir, { recursive: true, force: true });
      await upstream.close();
    }
  });
});
