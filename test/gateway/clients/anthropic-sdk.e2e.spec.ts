import Anthropic from '@anthropic-ai/sdk';
import { anthropicError, startProviderUpstream, type ProviderUpstream } from '../../support/provider-upstreams';
import { reply, startScriptedUpstream, type ScriptedUpstream } from '../../support/scripted-upstream';
import { startGateway, type StartedGateway } from '../../support/start-gateway';
import { anthropicModel, openAiModel, type Script } from './smart-upstreams';

/**
 * The Anthropic SDK, unmodified, with `baseURL` at the gateway: `/v1/messages` is a front end of
 * the same routing as chat completions, so an alias whose Anthropic profile is overloaded fails
 * over to its OpenAI profile, and the client never notices beyond the routing headers.
 */
const script: Script = { object: { ok: true }, toolArgs: { city: 'Paris' }, text: 'Hello from the model.' };
const CLIENT_KEY = 'sk-client-anthropic-test';

describe('Anthropic SDK through /v1/messages', () => {
  let openai: ScriptedUpstream;
  let anthropic: ProviderUpstream;
  let gateway: StartedGateway;
  let client: Anthropic;

  beforeAll(async () => {
    [openai, anthropic] = await Promise.all([startScriptedUpstream(), startProviderUpstream('anthropic')]);
    openai.fallback(openAiModel(script));
    openai.always('sk-drop', reply.dropAfter(3));
    // The chain's Anthropic profile is overloaded: every call fails over to the OpenAI profile.
    anthropic.forKey('sk-ant-overloaded', anthropicError(529, 'overloaded_error'));
    anthropic.forKey('sk-ant', anthropicModel(script));
    gateway = await startGateway({
      config: {
        auth: { client_keys: [CLIENT_KEY] },
        providers: {
          claude_busy: { type: 'anthropic', base_url: anthropic.baseUrl, keys: ['sk-ant-overloaded'] },
          claude_main: { type: 'anthropic', base_url: anthropic.baseUrl, keys: ['sk-ant'] },
          openai_main: { type: 'openai', base_url: openai.baseUrl, keys: ['sk-oai'] },
          openai_flaky: { type: 'openai', base_url: openai.baseUrl, keys: ['sk-drop'] },
        },
        routing: { error_cooldown_ms: 1 },
        models: {
          'claude-then-gpt': {
            chain: [
              { provider: 'claude_busy', model: 'claude-sonnet-4-5' },
              { provider: 'openai_main', model: 'gpt-4o' },
            ],
          },
          'claude-direct': { chain: [{ provider: 'claude_main', model: 'claude-sonnet-4-5' }] },
          'gpt-only': { chain: [{ provider: 'openai_main', model: 'gpt-4o' }] },
          'flaky-alias': { chain: [{ provider: 'openai_flaky', model: 'gpt-4o' }] },
        },
      },
    });
    // x-api-key, as the SDK sends it, is a client key like a bearer token.
    client = new Anthropic({ baseURL: gateway.url, apiKey: CLIENT_KEY, maxRetries: 0 });
  });

  afterAll(async () => {
    await gateway?.close();
    await Promise.all([openai?.close(), anthropic?.close()]);
  });

  it('messages.create fails over from the overloaded Anthropic profile to the OpenAI one', async () => {
    const calls = anthropic.callsFor('sk-ant-overloaded').length;
    const { data, response } = await client.messages
      .create({ model: 'claude-then-gpt', max_tokens: 256, system: 'Be brief.', messages: [{ role: 'user', content: 'Say hello.' }] })
      .withResponse();
    expect(data).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-then-gpt',
      stop_reason: 'end_turn',
      content: [{ type: 'text', text: 'Hello from the model.' }],
    });
    expect(data.usage).toMatchObject({ input_tokens: 11, output_tokens: 7 });
    expect(response.headers.get('x-switchboard-provider')).toBe('openai_main');
    expect(anthropic.callsFor('sk-ant-overloaded').length).toBeGreaterThan(calls);
    const sent = openai.requests[openai.requests.length - 1].body as { messages: unknown[]; max_completion_tokens: number };
    expect(sent.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Say hello.' },
    ]);
    expect(sent.max_completion_tokens).toBe(256);
  });

  it('messages.stream gives the final message, on the failover chain and straight to Anthropic', async () => {
    for (const model of ['claude-then-gpt', 'claude-direct']) {
      const stream = client.messages.stream({ model, max_tokens: 256, messages: [{ role: 'user', content: 'Say hello.' }] });
      let text = '';
      stream.on('text', (piece) => (text += piece));
      const final = await stream.finalMessage();
      expect(text).toBe('Hello from the model.');
      expect(final).toMatchObject({ stop_reason: 'end_turn', content: [{ type: 'text', text: 'Hello from the model.' }] });
      expect(final.usage.output_tokens).toBe(7);
    }
  });

  it('runs a tool round trip: tool_use, then the tool_result, then the answer', async () => {
    const tools: Anthropic.Tool[] = [
      {
        name: 'weather',
        description: 'Weather of a city',
        input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
    ];
    const question: Anthropic.MessageParam = { role: 'user', content: 'Weather in Paris?' };
    for (const model of ['claude-then-gpt', 'claude-direct']) {
      const first = await client.messages.create({ model, max_tokens: 256, tools, messages: [question] });
      expect(first.stop_reason).toBe('tool_use');
      const use = first.content.find((b) => b.type === 'tool_use');
      expect(use).toMatchObject({ type: 'tool_use', name: 'weather', input: { city: 'Paris' } });
      if (use?.type !== 'tool_use') throw new Error('no tool_use');
      const final = await client.messages.create({
        model,
        max_tokens: 256,
        tools,
        messages: [
          question,
          { role: 'assistant', content: first.content },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '21C' }] },
        ],
      });
      expect(final.content).toEqual([{ type: 'text', text: 'The tool said: 21C' }]);
    }
  });

  it('streams a tool call as input_json_delta that the SDK assembles', async () => {
    const tools: Anthropic.Tool[] = [{ name: 'weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }];
    const final = await client.messages
      .stream({ model: 'claude-then-gpt', max_tokens: 256, tools, messages: [{ role: 'user', content: 'Weather?' }] })
      .finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content).toEqual([expect.objectContaining({ type: 'tool_use', name: 'weather', input: { city: 'Paris' } })]);
  });

  it('ends a stream that fails mid-way with an error event, which the SDK raises', async () => {
    const res = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': CLIENT_KEY, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'flaky-alias', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'Count.' }] }),
    });
    const events = (await res.text()).split('\n\n').filter(Boolean);
    expect(events[0]).toMatch(/^event: message_start/);
    expect(events.some((e) => e.includes('text_delta'))).toBe(true);
    expect(events[events.length - 1]).toMatch(/^event: error\ndata: \{"type":"error","error":\{"type":"api_error"/);
    expect(events.some((e) => e.startsWith('event: message_stop'))).toBe(false);
    await expect(
      client.messages.stream({ model: 'flaky-alias', max_tokens: 64, messages: [{ role: 'user', content: 'Count.' }] }).finalMessage(),
    ).rejects.toThrow(/interrupted/);
  });

  it('answers errors in Anthropic shape, naming the field', async () => {
    await expect(
      client.messages.create({
        model: 'claude-direct',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'x' }],
        ...({ top_k: 5 } as object),
      }),
    ).rejects.toMatchObject({
      status: 400,
      error: { type: 'error', error: { type: 'invalid_request_error', param: 'top_k' } },
    });
    await expect(
      client.messages.create({ model: 'nope', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toMatchObject({ status: 404 });
    const anonymous = new Anthropic({ baseURL: gateway.url, apiKey: 'sk-wrong', maxRetries: 0 });
    await expect(
      anonymous.messages.create({ model: 'claude-direct', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toMatchObject({ status: 401 });
  });

  it('counts tokens on an Anthropic profile, and says clearly when the chain has none', async () => {
    const counted = await client.messages.countTokens({ model: 'claude-direct', messages: [{ role: 'user', content: 'Hello' }] });
    expect(counted).toEqual({ input_tokens: 10 });
    expect(anthropic.received[anthropic.received.length - 1]).toMatchObject({
      url: '/v1/messages/count_tokens',
      body: { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hello' }] },
    });
    await expect(client.messages.countTokens({ model: 'gpt-only', messages: [{ role: 'user', content: 'Hello' }] })).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('count_tokens'),
    });
  });

  it('documents the chat, responses and messages bodies, their 200 answers and routing headers at /docs-json', async () => {
    type Op = {
      requestBody: { content: { 'application/json': { schema: { properties: Record<string, unknown>; required?: string[] } } } };
      responses: Record<string, { headers?: Record<string, unknown> }>;
    };
    const doc = (await (await fetch(`${gateway.url}/docs-json`)).json()) as { paths: Record<string, { post?: Op; get?: Op }> };
    const post = (path: string) => doc.paths[path].post as Op;
    for (const path of [
      '/v1/chat/completions',
      '/v1/responses',
      '/v1/messages',
      '/v1/messages/count_tokens',
      '/v1/completions',
      '/v1/embeddings',
    ]) {
      expect(Object.keys(post(path).responses)).toContain('200');
      expect(Object.keys(post(path).responses)).not.toContain('201');
    }
    expect(Object.keys(post('/v1/chat/completions').responses['200'].headers ?? {})).toEqual(
      expect.arrayContaining(['x-switchboard-provider', 'x-switchboard-key', 'x-switchboard-attempts', 'x-request-id']),
    );
    expect(Object.keys(post('/v1/chat/completions').requestBody.content['application/json'].schema.properties)).toEqual(
      expect.arrayContaining(['tool_choice', 'response_format', 'stream_options', 'parallel_tool_calls']),
    );
    expect(Object.keys(post('/v1/responses').requestBody.content['application/json'].schema.properties)).toEqual(
      expect.arrayContaining([
        'input',
        'instructions',
        'tools',
        'tool_choice',
        'text',
        'max_output_tokens',
        'metadata',
        'store',
        'previous_response_id',
      ]),
    );
    expect(post('/v1/messages').requestBody.content['application/json'].schema.required).toEqual(['model', 'max_tokens', 'messages']);
    expect(doc.paths['/v1/responses/{id}'].get).toBeDefined();
  });
});
