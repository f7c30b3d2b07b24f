import { createParser } from 'eventsource-parser';
import OpenAI from 'openai';
import { fixturesIn } from '../../../test/support/fixtures';
import { InvalidRequestError, UnsupportedFeatureError, type CallContext, type ProfileInfo, type SseEvent } from '../provider';
import { anthropicProvider } from './anthropic.provider';
import { AnthropicStreamError, type AnthropicStreamState } from './chat.stream';

const fixtures = fixturesIn(`${__dirname}/fixtures`);

const profile: ProfileInfo = { name: 'claude_main', type: 'anthropic', baseUrl: 'https://api.anthropic.com', maxTokensDefault: 1000 };
const identity = { id: 'chatcmpl-test', created: 1700000000, model: 'claude-sonnet-4-5' };
const callContext = (stream = false, p: ProfileInfo = profile): CallContext => ({
  profile: p,
  model: 'claude-sonnet-4-5',
  key: 'test-key',
  stream,
});

function upstreamRequest(body: Record<string, unknown>, ctx = callContext(body.stream === true)) {
  const req = anthropicProvider.request('chat', body, ctx);
  return { ...req, body: JSON.parse(req.body ?? 'null') as unknown };
}

/** Frames an SSE text the way the gateway's decoder does (eventsource-parser), one event at a time. */
function sseEvents(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = createParser({ onEvent: (e) => events.push({ event: e.event, data: e.data }) });
  parser.feed(text);
  return events;
}

function runStream(text: string, includeUsage = true): { chunks: unknown[]; done: boolean } {
  let state: AnthropicStreamState = anthropicProvider.stream.init({ ...identity, includeUsage });
  const chunks: unknown[] = [];
  let done = false;
  for (const event of sseEvents(text)) {
    const step = anthropicProvider.stream.next(state, event);
    state = step.state;
    chunks.push(...step.chunks);
    done = done || step.done === true;
  }
  return { chunks, done };
}

describe('anthropic request mapping', () => {
  it.each(fixtures.names('.request.json'))('%s: maps the OpenAI request to the recorded Anthropic request', (name) => {
    expect(upstreamRequest(fixtures.json(`${name}.request.json`))).toEqual(fixtures.json(`${name}.anthropic.json`));
  });

  it('uses the built-in 4096 when neither the client nor the profile sets max_tokens', () => {
    const bare: ProfileInfo = { name: 'bare', type: 'anthropic', baseUrl: 'https://api.anthropic.com' };
    const req = upstreamRequest({ model: 'x', messages: [{ role: 'user', content: 'hi' }] }, callContext(false, bare));
    expect(req.body).toMatchObject({ max_tokens: 4096 });
  });

  it('sends the profile anthropic_version and appends /v1/messages to a custom base_url', () => {
    const proxied: ProfileInfo = { ...profile, baseUrl: 'http://127.0.0.1:9000/anthropic/', anthropicVersion: '2024-01-01' };
    const req = anthropicProvider.request('chat', { model: 'x', messages: [{ role: 'user', content: 'hi' }] }, callContext(false, proxied));
    expect(req.url).toBe('http://127.0.0.1:9000/anthropic/v1/messages');
    expect(req.headers['anthropic-version']).toBe('2024-01-01');
  });

  it('maps tool_choice none and auto, and drops tool_choice when there are no tools', () => {
    const tools = [{ type: 'function', function: { name: 'f' } }];
    const messages = [{ role: 'user', content: 'hi' }];
    expect(upstreamRequest({ model: 'x', messages, tools, tool_choice: 'none' }).body).toMatchObject({ tool_choice: { type: 'none' } });
    expect(upstreamRequest({ model: 'x', messages, tools, tool_choice: 'auto' }).body).toMatchObject({ tool_choice: { type: 'auto' } });
    expect(upstreamRequest({ model: 'x', messages, tool_choice: 'auto' }).body).not.toHaveProperty('tool_choice');
  });

  it.each([
    ['n', { n: 2 }],
    ['logprobs', { logprobs: true }],
    ['top_logprobs', { top_logprobs: 3 }],
    [
      'response_format.json_schema.schema',
      { response_format: { type: 'json_schema', json_schema: { name: 's', schema: { type: 'array' } } } },
    ],
    ['tools[0].function.name', { tools: [{ type: 'function', function: { name: 'json_answer' } }] }],
    ['temperature', { temperature: 1.5 }],
    ['frequency_penalty', { frequency_penalty: 0.5 }],
    ['logit_bias', { logit_bias: { '50256': -100 } }],
    ['audio', { audio: { voice: 'alloy', format: 'wav' } }],
  ])('refuses %s, naming the field and the provider type', (param, extra) => {
    const body = { model: 'x', messages: [{ role: 'user', content: 'hi' }], ...extra };
    const attempt = () => anthropicProvider.request('chat', body, callContext());
    expect(attempt).toThrow(UnsupportedFeatureError);
    expect(attempt).toThrow(expect.objectContaining({ param, providerType: 'anthropic' }) as Error);
  });

  it('refuses images it cannot point Anthropic at, and tool arguments that are not a JSON object', () => {
    const ftpImage = { role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://host/cat.png' } }] };
    expect(() => upstreamRequest({ model: 'x', messages: [ftpImage] })).toThrow(
      expect.objectContaining({ param: 'messages[0].content[0].image_url.url' }) as Error,
    );
    const badCall = {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{"city": "Par' } }],
    };
    expect(() => upstreamRequest({ model: 'x', messages: [{ role: 'user', content: 'hi' }, badCall] })).toThrow(
      expect.objectContaining({ param: 'messages[1].tool_calls[0].function.arguments' }) as Error,
    );
  });

  it('counts tokens at /v1/messages/count_tokens with the prompt only, and hands the count back as it came', () => {
    const body = {
      model: 'x',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
      ],
      max_tokens: 5,
      temperature: 0.2,
      tools: [{ type: 'function', function: { name: 'f' } }],
    };
    const req = anthropicProvider.request('count_tokens', body, callContext());
    expect(req.url).toBe('https://api.anthropic.com/v1/messages/count_tokens');
    expect(JSON.parse(req.body ?? '')).toEqual({
      model: 'claude-sonnet-4-5',
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'hi' }],
      tools: [{ name: 'f', input_schema: { type: 'object', properties: {} } }],
    });
    expect(anthropicProvider.response?.('count_tokens', { input_tokens: 14 }, callContext())).toEqual({ input_tokens: 14 });
  });

  it('serves chat and token counts only', () => {
    expect([...anthropicProvider.operations]).toEqual(['chat', 'count_tokens']);
    expect(() => anthropicProvider.request('embeddings', { model: 'x', input: 'hi' }, callContext())).toThrow(UnsupportedFeatureError);
  });

  it('never puts the key anywhere but its header', () => {
    const req = anthropicProvider.request('chat', fixtures.json('tools.request.json'), { ...callContext(true), key: 'sk-ant-secret-123' });
    expect(req.headers['x-api-key']).toBe('sk-ant-secret-123');
    expect(req.url + (req.body ?? '')).not.toContain('sk-ant-secret-123');
  });
});

describe('anthropic response mapping', () => {
  it.each(fixtures.names('.response.json'))('%s: maps the Anthropic message to the expected chat.completion', (name) => {
    const ctx = { ...callContext(), created: identity.created };
    expect(anthropicProvider.response?.('chat', fixtures.json(`${name}.response.json`), ctx)).toEqual(fixtures.json(`${name}.openai.json`));
  });

  it('names the completion after the upstream message and dates it as the router says, reading no clock', () => {
    const out = anthropicProvider.response?.('chat', fixtures.json('text.response.json'), { ...callContext(), created: 1234 });
    expect(out).toMatchObject({ id: 'chatcmpl-013Zva2CMHLNnXjNJJKqJ2EF', model: 'claude-sonnet-4-5', created: 1234 });
  });
});

describe('anthropic stream mapping', () => {
  it('maps the recorded text + tool_use stream to the expected chunks and ends on message_stop', () => {
    const { chunks, done } = runStream(fixtures.text('tool-use.sse'));
    expect(chunks).toEqual(JSON.parse(fixtures.text('tool-use.chunks.json')));
    expect(done).toBe(true);
  });

  it('accumulates, as the official openai SDK does, into the full content and complete tool calls', async () => {
    const { chunks } = runStream(fixtures.text('tool-use.sse'));
    const sse = chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('') + 'data: [DONE]\n\n';
    const client = new OpenAI({
      apiKey: 'unused',
      baseURL: 'http://gateway.invalid/v1',
      maxRetries: 0,
      fetch: () => Promise.resolve(new Response(sse, { status: 200, headers: { 'content-type': 'text/event-stream' } })),
    });
    const stream = client.chat.completions.stream({ model: 'main-claude', messages: [{ role: 'user', content: 'weather?' }] });
    const completion = await stream.finalChatCompletion();
    const choice = completion.choices[0];
    expect(choice.message.content).toBe("Okay, let's check the weather for San Francisco, CA:");
    expect(choice.finish_reason).toBe('tool_calls');
    const calls = (choice.message.tool_calls ?? []).map((c) => (c.type === 'function' ? c : undefined));
    expect(calls.map((c) => [c?.id, c?.function.name, JSON.parse(c?.function.arguments ?? 'null')])).toEqual([
      ['toolu_01T1x1fJ34qAmk2tNTrN7Up6', 'get_weather', { location: 'San Francisco, CA', unit: 'fahrenheit' }],
      ['toolu_01Bq2V8dC8b7mS5zE9xYkP4L', 'get_time', { timezone: 'America/Los_Angeles' }],
    ]);
    expect(completion.usage).toEqual({ prompt_tokens: 472, completion_tokens: 89, total_tokens: 561 });
  });

  it('surfaces a mid-stream error event as an AnthropicStreamError carrying its HTTP twin status', () => {
    let state = anthropicProvider.stream.init(identity);
    const events = sseEvents(fixtures.text('overloaded.sse'));
    const contents: unknown[] = [];
    for (const event of events.slice(0, -1)) {
      const step = anthropicProvider.stream.next(state, event);
      state = step.state;
      contents.push(...step.chunks);
    }
    expect(contents).toHaveLength(2);
    const last = events[events.length - 1];
    expect(() => anthropicProvider.stream.next(state, last)).toThrow(AnthropicStreamError);
    expect(() => anthropicProvider.stream.next(state, last)).toThrow(
      expect.objectContaining({ errorType: 'overloaded_error', status: 529 }) as Error,
    );
  });

  it('leaves the state it was given untouched', () => {
    const start = anthropicProvider.stream.init(identity);
    const events = sseEvents(fixtures.text('tool-use.sse'));
    const afterStart = anthropicProvider.stream.next(start, events[0]).state;
    const toolStart = events.find((e) => e.data.includes('"tool_use"'));
    if (!toolStart) throw new Error('fixture lost its tool_use block');
    anthropicProvider.stream.next(afterStart, toolStart);
    expect(afterStart.toolIndexByBlock).toEqual({});
    expect(start.usage).toEqual({});
  });
});

describe('anthropic structured output (response_format through a forced tool call)', () => {
  it('streams the answer tool input as the message content and ends as a plain answer', () => {
    const { chunks } = runStream(fixtures.text('json-answer.sse'));
    const text = (chunks as Array<{ choices: Array<{ delta: { content?: string; tool_calls?: unknown } }> }>)
      .flatMap((c) => c.choices.map((choice) => choice.delta.content ?? ''))
      .join('');
    expect(JSON.parse(text)).toEqual({ name: 'Meeting', day: 'Friday' });
    expect(JSON.stringify(chunks)).not.toContain('tool_calls');
    expect(chunks).toContainEqual(expect.objectContaining({ choices: [expect.objectContaining({ finish_reason: 'stop' })] }));
  });

  it('parses, as the openai SDK does with a zod schema, into the structured object', async () => {
    const sse = JSON.stringify(anthropicProvider.response?.('chat', fixtures.json('json-answer.response.json'), callContext()));
    const client = new OpenAI({
      apiKey: 'unused',
      baseURL: 'http://gateway.invalid/v1',
      maxRetries: 0,
      fetch: () => Promise.resolve(new Response(sse, { status: 200, headers: { 'content-type': 'application/json' } })),
    });
    const completion = await client.chat.completions.parse({
      model: 'main-claude',
      messages: [{ role: 'user', content: 'x' }],
      response_format: { type: 'json_schema', json_schema: { name: 'calendar_event', schema: { type: 'object' } } },
    });
    expect(JSON.parse(completion.choices[0].message.content ?? '')).toEqual({ name: 'Meeting', day: 'Friday' });
  });
});

describe('anthropic stream details', () => {
  const sse = (events: Array<Record<string, unknown>>) =>
    events.map((e) => `event: ${String(e.type)}\ndata: ${JSON.stringify(e)}\n\n`).join('');
  const noArgs = sse([
    {
      type: 'message_start',
      message: { id: 'msg_1', type: 'message', role: 'assistant', content: [], usage: { input_tokens: 5, output_tokens: 1 } },
    },
    { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_now', name: 'now', input: {} } },
    { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '' } },
    { type: 'content_block_stop', index: 0 },
    { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 9 } },
    { type: 'message_stop' },
  ]);

  it('says {} for a tool call that streamed no arguments, as the non-streamed answer does', async () => {
    const { chunks } = runStream(noArgs);
    const wire = chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('') + 'data: [DONE]\n\n';
    const client = new OpenAI({
      apiKey: 'unused',
      baseURL: 'http://gateway.invalid/v1',
      maxRetries: 0,
      fetch: () => Promise.resolve(new Response(wire, { status: 200, headers: { 'content-type': 'text/event-stream' } })),
    });
    const completion = await client.chat.completions
      .stream({ model: 'm', messages: [{ role: 'user', content: 'time?' }] })
      .finalChatCompletion();
    const call = completion.choices[0].message.tool_calls?.[0];
    expect(call?.type === 'function' ? call.function.arguments : undefined).toBe('{}');
    const plain = anthropicProvider.response?.('chat', fixtures.json('tool-only.response.json'), callContext()) as {
      choices: Array<{ message: { tool_calls: Array<{ function: { arguments: string } }> } }>;
    };
    expect(plain.choices[0].message.tool_calls[0].function.arguments).toBe('{}');
  });

  it('adds nothing to arguments that did stream', () => {
    const { chunks } = runStream(fixtures.text('tool-use.sse'));
    const args = (chunks as Array<{ choices: Array<{ delta: { tool_calls?: Array<{ function: { arguments?: string } }> } }> }>)
      .flatMap((c) => c.choices[0]?.delta.tool_calls ?? [])
      .map((t) => t.function.arguments);
    expect(args).not.toContain('{}');
  });

  it('ends with the usage chunk only when stream_options.include_usage asked for it', () => {
    const without = runStream(noArgs, false).chunks as Array<{ choices: unknown[] }>;
    expect(without.every((c) => c.choices.length > 0)).toBe(true);
    const withUsage = runStream(noArgs, true).chunks as Array<{ choices: unknown[]; usage?: unknown }>;
    expect(withUsage[withUsage.length - 1]).toMatchObject({ choices: [], usage: { prompt_tokens: 5, completion_tokens: 9 } });
  });
});

describe('anthropic: malformed requests are the client’s error, with the field named', () => {
  const user = (content: unknown) => ({ model: 'x', messages: [{ role: 'user', content }] });
  it.each([
    ['messages[0].content[0].image_url.url', user([{ type: 'image_url' }])],
    ['messages[0].content[0].text', user([{ type: 'text', text: 7 }])],
    ['messages[0].content', user(42)],
    ['tools[0].function', { ...user('hi'), tools: [{ type: 'function' }] }],
    [
      'tool_choice.function.name',
      { ...user('hi'), tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: { type: 'function' } },
    ],
    [
      'messages[1].tool_calls[0].function',
      {
        model: 'x',
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', tool_calls: [{ id: 't', type: 'function' }] },
        ],
      },
    ],
    [
      'messages[1].tool_call_id',
      {
        model: 'x',
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'tool', content: 'r' },
        ],
      },
    ],
  ])('%s', (param, body) => {
    const attempt = () => anthropicProvider.request('chat', body, callContext());
    expect(attempt).toThrow(InvalidRequestError);
    expect(attempt).toThrow(expect.objectContaining({ param }) as Error);
  });
});

describe('anthropic outcomes', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  const classify = (status: number, file: string, headers: Record<string, string> = {}) =>
    anthropicProvider.classify(status, headers, fixtures.json(`errors/${file}.json`), now);

  it('retires the key on authentication_error and permission_error', () => {
    expect(classify(401, 'authentication_error')).toEqual({ kind: 'retire', status: 401, reason: 'authentication_error' });
    expect(classify(403, 'permission_error')).toEqual({ kind: 'retire', status: 403, reason: 'permission_error' });
  });

  it('quarantines a rate-limited key until retry-after (seconds or HTTP date)', () => {
    expect(classify(429, 'rate_limit_error', { 'retry-after': '17' })).toEqual({
      kind: 'quarantine',
      status: 429,
      reason: 'rate_limit_error',
      rateLimited: true,
      retryAfterMs: 17_000,
    });
    expect(classify(429, 'rate_limit_error', { 'Retry-After': 'Wed, 01 Jan 2025 00:01:00 GMT' })).toMatchObject({ retryAfterMs: 60_000 });
    expect(classify(429, 'rate_limit_error')).not.toHaveProperty('retryAfterMs');
  });

  it('quarantines briefly, without the rate-limit flag, on 529 overloaded and 500 api_error', () => {
    expect(classify(529, 'overloaded_error')).toEqual({ kind: 'quarantine', status: 529, reason: 'overloaded_error', rateLimited: false });
    expect(classify(500, 'api_error')).toEqual({ kind: 'quarantine', status: 500, reason: 'api_error', rateLimited: false });
  });

  it('cools an out-of-credit key down like a rate limit rather than blaming the request', () => {
    expect(classify(402, 'billing_error')).toEqual({ kind: 'quarantine', status: 402, reason: 'billing_error', rateLimited: true });
  });

  it.each([
    [400, 'invalid_request_error'],
    [404, 'not_found_error'],
    [413, 'request_too_large'],
  ])('returns %i %s to the client as its own error', (status, file) => {
    const outcome = classify(status, file);
    expect(outcome.kind).toBe('client_error');
    expect(outcome).toMatchObject({ status, reason: (fixtures.json(`errors/${file}.json`).error as { message: string }).message });
  });

  it('reads an error body that arrives as unparsed text', () => {
    const outcome = anthropicProvider.classify(401, {}, fixtures.text('errors/authentication_error.json'), now);
    expect(outcome).toEqual({ kind: 'retire', status: 401, reason: 'authentication_error' });
  });

  it('treats every 2xx as ok', () => {
    expect(anthropicProvider.classify(200, {}, fixtures.json('text.response.json'), now)).toEqual({ kind: 'ok' });
  });
});

describe('anthropic probe', () => {
  it('lists one model with the key and version headers, without a body', () => {
    expect(anthropicProvider.probe({ profile, key: 'test-key' })).toEqual({
      method: 'GET',
      url: 'https://api.anthropic.com/v1/models?limit=1',
      headers: { 'x-api-key': 'test-key', 'anthropic-version': '2023-06-01' },
    });
  });
});
