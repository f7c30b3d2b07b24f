import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChatOpenAI } from '@langchain/openai';
import OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import { stringify } from 'yaml';
import { z } from 'zod';
import { runEntry, type Child } from '../../keeper/fixtures/child-process';
import { startProviderUpstream, type ProviderUpstream } from '../../support/provider-upstreams';
import { reply, startScriptedUpstream, type ScriptedUpstream } from '../../support/scripted-upstream';
import { startGateway, type StartedGateway } from '../../support/start-gateway';
import { anthropicModel, openAiModel, type Script } from './smart-upstreams';

/**
 * The openai SDK's Responses API and structured-output helpers, and LangChain's, unmodified, on
 * OpenAI and Anthropic aliases. A follow-up with `previous_response_id` is answered by a second
 * gateway process (its own OS process) on the same SQLite store file.
 */
const script: Script = { object: { name: 'Team sync', day: 'Friday' }, toolArgs: { city: 'Paris' }, text: 'Hello from the model.' };

describe('openai SDK responses, chat.completions.parse and LangChain structured output', () => {
  let upstream: ScriptedUpstream;
  let anthropic: ProviderUpstream;
  let gateway: StartedGateway;
  let second: Child;
  let client: OpenAI;
  let secondClient: OpenAI;

  beforeAll(async () => {
    [upstream, anthropic] = await Promise.all([startScriptedUpstream(), startProviderUpstream('anthropic')]);
    upstream.fallback(openAiModel(script));
    upstream.always('sk-drop', reply.dropAfter(3));
    anthropic.forKey('sk-ant', anthropicModel(script));
    const config = {
      providers: {
        openai_main: { type: 'openai', base_url: upstream.baseUrl, keys: ['sk-oai'] },
        openai_flaky: { type: 'openai', base_url: upstream.baseUrl, keys: ['sk-drop'] },
        claude_main: { type: 'anthropic', base_url: anthropic.baseUrl, keys: ['sk-ant'] },
      },
      models: {
        'gpt-alias': { chain: [{ provider: 'openai_main', model: 'gpt-4o' }] },
        'flaky-alias': { chain: [{ provider: 'openai_flaky', model: 'gpt-4o' }] },
        'claude-alias': { chain: [{ provider: 'claude_main', model: 'claude-sonnet-4-5' }] },
      },
    };
    gateway = await startGateway({ config });
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const configPath = join(gateway.dir, 'second.yaml');
    writeFileSync(configPath, stringify(config));
    second = runEntry('src/gateway/main.ts', {
      ...process.env,
      SWITCHBOARD_CONFIG: configPath,
      EVENT_STORE_URL: `sqlite:${gateway.storePath}`,
      PORT: '0',
      HOST: '127.0.0.1',
      NODE_ENV: 'test',
    });
    const [, address] = await second.waitFor(/listening on ([\d.]+:\d+)/, 60_000);
    secondClient = new OpenAI({ baseURL: `http://${address}/v1`, apiKey: 'unused', maxRetries: 0 });
  }, 90_000);

  afterAll(async () => {
    await second?.stop();
    await gateway?.close();
    await Promise.all([upstream?.close(), anthropic?.close()]);
  });

  it('responses.create answers a plain input with a response object', async () => {
    const response = await client.responses.create({ model: 'gpt-alias', input: 'Say hello.', instructions: 'Be brief.' });
    expect(response.object).toBe('response');
    expect(response.status).toBe('completed');
    expect(response.output_text).toBe('Hello from the model.');
    expect(response.usage).toMatchObject({ input_tokens: 11, output_tokens: 7, total_tokens: 18 });
    const sent = upstream.requests[upstream.requests.length - 1].body as { messages: unknown[] };
    expect(sent.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Say hello.' },
    ]);
  });

  it('responses.create streams the Responses event sequence', async () => {
    const stream = await client.responses.create({ model: 'claude-alias', input: 'Say hello.', stream: true });
    const types: string[] = [];
    let text = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
    expect(text).toBe('Hello from the model.');
    expect(types[0]).toBe('response.created');
    expect(types).toEqual(
      expect.arrayContaining(['response.output_item.added', 'response.output_text.delta', 'response.output_item.done']),
    );
    expect(types[types.length - 1]).toBe('response.completed');
  });

  it('runs a function tool and its output through responses.create', async () => {
    const tools: OpenAI.Responses.Tool[] = [
      {
        type: 'function',
        name: 'weather',
        description: 'Weather of a city',
        strict: true,
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
      },
    ];
    const first = await client.responses.create({ model: 'claude-alias', input: 'Weather in Paris?', tools });
    const call = first.output.find((item) => item.type === 'function_call');
    expect(call).toMatchObject({ type: 'function_call', name: 'weather', arguments: JSON.stringify({ city: 'Paris' }) });
    if (call?.type !== 'function_call') throw new Error('no function call');
    const final = await client.responses.create({
      model: 'claude-alias',
      tools,
      input: [
        { role: 'user', content: 'Weather in Paris?' },
        call,
        { type: 'function_call_output', call_id: call.call_id, output: '{"celsius":21}' },
      ],
    });
    expect(final.output_text).toBe('The tool said: {"celsius":21}');
  });

  it('follows text.format json_schema, on an OpenAI alias and on an Anthropic one', async () => {
    const format = {
      type: 'json_schema' as const,
      name: 'meeting',
      strict: true,
      schema: {
        type: 'object',
        properties: { name: { type: 'string' }, day: { type: 'string' } },
        required: ['name', 'day'],
        additionalProperties: false,
      },
    };
    for (const model of ['gpt-alias', 'claude-alias']) {
      const response = await client.responses.create({ model, input: 'Extract the meeting.', text: { format } });
      expect(JSON.parse(response.output_text)).toEqual(script.object);
    }
    const sent = anthropic.received[anthropic.received.length - 1].body as { tool_choice: unknown };
    expect(sent.tool_choice).toEqual({ type: 'tool', name: 'json_answer', disable_parallel_tool_use: true });
  });

  it('continues with previous_response_id on a second gateway process sharing the store, which also reads it back', async () => {
    const first = await client.responses.create({ model: 'gpt-alias', input: 'My name is Ada.' });
    const follow = await secondClient.responses.create({ model: 'gpt-alias', input: 'What is my name?', previous_response_id: first.id });
    expect(follow.previous_response_id).toBe(first.id);
    const sent = upstream.requests[upstream.requests.length - 1].body as { messages: unknown[] };
    expect(sent.messages).toEqual([
      { role: 'user', content: 'My name is Ada.' },
      { role: 'assistant', content: 'Hello from the model.' },
      { role: 'user', content: 'What is my name?' },
    ]);
    const read = await secondClient.responses.retrieve(first.id);
    expect(read).toMatchObject({ id: first.id, status: 'completed', output_text: 'Hello from the model.' });
  });

  it('refuses an unknown previous_response_id and a response not stored, naming the field', async () => {
    await expect(client.responses.create({ model: 'gpt-alias', input: 'x', previous_response_id: 'resp_nope' })).rejects.toMatchObject({
      status: 400,
      param: 'previous_response_id',
    });
    // A field the chain's provider cannot honour is a 400 naming it, as on chat completions.
    await expect(client.responses.create({ model: 'claude-alias', input: 'x', temperature: 1.5 })).rejects.toMatchObject({
      status: 400,
      param: 'temperature',
    });
    const unstored = await client.responses.create({ model: 'gpt-alias', input: 'x', store: false });
    await expect(client.responses.retrieve(unstored.id)).rejects.toMatchObject({ status: 404 });
  });

  it('ends a stream that fails mid-way with response.failed and an error event, never a silent cut', async () => {
    const res = await fetch(`${gateway.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'flaky-alias', input: 'Count.', stream: true }),
    });
    expect(res.status).toBe(200);
    const events = (await res.text())
      .split('\n\n')
      .filter((block) => block.startsWith('event: '))
      .map(
        (block) =>
          JSON.parse(block.slice(block.indexOf('data: ') + 6)) as { type: string; response?: { status: string; output: unknown[] } },
      );
    const types = events.map((e) => e.type);
    expect(types).toContain('response.output_text.delta');
    expect(types.slice(-2)).toEqual(['response.failed', 'error']);
    expect(events[events.length - 2].response).toMatchObject({
      status: 'failed',
      output: [expect.objectContaining({ status: 'incomplete' })],
    });
    expect(types).not.toContain('response.completed');
  });

  it('chat.completions.parse fills a zod schema on an Anthropic alias', async () => {
    const completion = await client.chat.completions.parse({
      model: 'claude-alias',
      messages: [{ role: 'user', content: 'Extract the meeting.' }],
      response_format: zodResponseFormat(z.object({ name: z.string(), day: z.string() }), 'meeting'),
    });
    expect(completion.choices[0].message.parsed).toEqual(script.object);
  });

  it('LangChain withStructuredOutput (its default method) fills a zod schema on an Anthropic alias', async () => {
    const model = new ChatOpenAI({
      model: 'claude-alias',
      apiKey: 'unused',
      configuration: { baseURL: `${gateway.url}/v1` },
      maxRetries: 0,
    });
    const structured = model.withStructuredOutput(z.object({ name: z.string(), day: z.string() }));
    const result = await structured.invoke('Extract the meeting.');
    expect(result).toEqual(script.object);
  });
});
