import OpenAI from 'openai';
import type {
  ChatCompletionChunk,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import { startGateway, type StartedGateway } from '../../support/start-gateway';
import {
  anthropicError,
  errorCase,
  fixtureJson,
  fixtureText,
  startProviderUpstream,
  type ProviderUpstream,
  type Received,
} from '../../support/provider-upstreams';
import { fingerprint, keyHistory, QUIET_KEEPER } from '../routing/routing-helpers';

/**
 * The gateway in front of one stand-in per provider, each speaking its own wire format, with the
 * official openai SDK as the client. The alias `main` fails over anthropic -> gemini -> azure.
 */

const KEYS = { claude: 'sk-ant-e2e-1', gem: 'AIza-e2e-gemini-1', az: 'azure-e2e-key-1', co: 'co-e2e-key-1' };
const CLIENT_KEY = 'client-secret-e2e';

const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};
const QUESTION: ChatCompletionMessageParam[] = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Weather in Paris?' },
];
const TOOL_TURN: ChatCompletionMessageParam[] = [
  ...QUESTION,
  {
    role: 'assistant',
    content: null,
    tool_calls: [{ id: 'call_w1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
  },
  { role: 'tool', tool_call_id: 'call_w1', content: '{"temp_c":21,"sky":"clear"}' },
];

/** What Anthropic must receive for QUESTION with the weather tool (Anthropic: top-level system, required max_tokens). */
const ANTHROPIC_TOOLS = [
  { name: 'get_weather', description: 'Current weather for a city', input_schema: WEATHER_TOOL.function.parameters },
];
const GEMINI_TOOLS = [
  {
    functionDeclarations: [
      { name: 'get_weather', description: 'Current weather for a city', parameters: WEATHER_TOOL.function.parameters },
    ],
  },
];

describe('provider translation end to end (openai SDK -> gateway -> anthropic | gemini | azure | cohere)', () => {
  let anthropic: ProviderUpstream;
  let gemini: ProviderUpstream;
  let azure: ProviderUpstream;
  let cohere: ProviderUpstream;
  let gw: StartedGateway | undefined;
  let client: OpenAI;

  beforeAll(async () => {
    [anthropic, gemini, azure, cohere] = await Promise.all(
      (['anthropic', 'gemini', 'azure', 'cohere'] as const).map((type) => startProviderUpstream(type)),
    );
  });

  beforeEach(async () => {
    const profile = (type: string, upstream: ProviderUpstream, key: string, extra: Record<string, unknown> = {}) => ({
      type,
      base_url: upstream.baseUrl,
      keys: [key],
      timeout_ms: 5_000,
      connect_timeout_ms: 2_000,
      ...extra,
    });
    gw = await startGateway({
      config: {
        auth: { client_keys: [CLIENT_KEY] },
        keeper: QUIET_KEEPER,
        routing: { retries: { max_attempts: 1 } },
        providers: {
          claude: profile('anthropic', anthropic, KEYS.claude, { max_tokens_default: 1000 }),
          gem: profile('gemini', gemini, KEYS.gem),
          az: profile('azure', azure, KEYS.az, { api_version: '2024-10-21' }),
          co: profile('cohere', cohere, KEYS.co),
        },
        models: {
          main: {
            chain: [
              { provider: 'claude', model: 'claude-sonnet-4-5' },
              { provider: 'gem', model: 'gemini-2.0-flash' },
              { provider: 'az', model: 'gpt4o-deploy' },
            ],
          },
          'claude-only': { chain: [{ provider: 'claude', model: 'claude-sonnet-4-5' }] },
          'embed-gemini': {
            chain: [
              { provider: 'claude', model: 'claude-sonnet-4-5' },
              { provider: 'gem', model: 'text-embedding-004' },
            ],
          },
          'embed-cohere': { chain: [{ provider: 'co', model: 'embed-english-v3.0' }] },
        },
      },
    });
    client = new OpenAI({ apiKey: CLIENT_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  });

  afterEach(async () => {
    await gw?.close();
    gw = undefined;
    for (const upstream of [anthropic, gemini, azure, cohere]) upstream.reset();
  });

  afterAll(async () => {
    await Promise.all([anthropic, gemini, azure, cohere].map((u) => u.close()));
  });

  /** Anthropic overloaded, then Gemini out of quota: the request must end at Azure. */
  function failAnthropicThenGemini(): void {
    anthropic.next(anthropicError(529, 'overloaded_error'));
    gemini.next(errorCase('gemini', /^429 RESOURCE_EXHAUSTED waits RetryInfo/));
  }

  const only = (upstream: ProviderUpstream): Received => {
    expect(upstream.received).toHaveLength(1);
    return upstream.received[0];
  };

  /** The client's own credentials stay with the gateway; each upstream sees only its key, in its header. */
  function expectOwnKeyOnly(req: Received, header: string, value: string): void {
    expect(req.headers[header]).toBe(value);
    expect(JSON.stringify(req.headers)).not.toContain(CLIENT_KEY);
    if (header !== 'authorization') expect(req.headers.authorization).toBeUndefined();
  }

  async function expectFailoverEvents(): Promise<void> {
    const claude = await keyHistory(gw!, KEYS.claude);
    expect(claude.map((e) => e.type)).toEqual(['KeyRegistered', 'KeyQuarantined']);
    expect(claude[1].data).toMatchObject({ reason: 'upstream_error', status: 529 });
    const gem = await keyHistory(gw!, KEYS.gem);
    expect(gem.map((e) => e.type)).toEqual(['KeyRegistered', 'KeyQuarantined']);
    expect(gem[1].data).toMatchObject({ reason: 'rate_limited', status: 429 });
    expect((await keyHistory(gw!, KEYS.az)).map((e) => e.type)).toEqual(['KeyRegistered']);
  }

  it('fails over Anthropic 529 -> Gemini 429 -> Azure, not streamed: tools go in translated, tool_calls come out', async () => {
    failAnthropicThenGemini();
    const params: ChatCompletionCreateParamsNonStreaming = { model: 'main', messages: QUESTION, tools: [WEATHER_TOOL], max_tokens: 300 };
    const { data, response } = await client.chat.completions.create(params).withResponse();

    expect(response.headers.get('x-switchboard-provider')).toBe('az');
    expect(response.headers.get('x-switchboard-attempts')).toBe('3');
    expect(response.headers.get('x-switchboard-key')).toBe(fingerprint(KEYS.az));
    const call = data.choices[0].message.tool_calls?.[0];
    expect(data.choices[0].finish_reason).toBe('tool_calls');
    expect(call?.type === 'function' && [call.id, call.function.name, JSON.parse(call.function.arguments)]).toEqual([
      'call_Vw3OqkPHJfGXyVDTvIuAq8E1',
      'get_weather',
      { city: 'Paris' },
    ]);

    const toAnthropic = only(anthropic);
    expect(toAnthropic).toMatchObject({ method: 'POST', url: '/v1/messages' });
    expectOwnKeyOnly(toAnthropic, 'x-api-key', KEYS.claude);
    expect(toAnthropic.headers['anthropic-version']).toBe('2023-06-01');
    expect(toAnthropic.body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 300,
      system: 'You are terse.',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: ANTHROPIC_TOOLS,
    });

    const toGemini = only(gemini);
    expect(toGemini).toMatchObject({ method: 'POST', url: '/v1beta/models/gemini-2.0-flash:generateContent' });
    expectOwnKeyOnly(toGemini, 'x-goog-api-key', KEYS.gem);
    expect(toGemini.body).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'Weather in Paris?' }] }],
      systemInstruction: { parts: [{ text: 'You are terse.' }] },
      generationConfig: { maxOutputTokens: 300 },
      tools: GEMINI_TOOLS,
    });

    const toAzure = only(azure);
    expect(toAzure).toMatchObject({ method: 'POST', url: '/openai/deployments/gpt4o-deploy/chat/completions?api-version=2024-10-21' });
    expectOwnKeyOnly(toAzure, 'api-key', KEYS.az);
    expect(toAzure.body).toEqual({ ...params, model: 'gpt4o-deploy' });

    await expectFailoverEvents();
  });

  it('fails over the same way streamed: the SDK assembles Azure’s streamed tool-call arguments, and no bookkeeping chunk reaches it', async () => {
    failAnthropicThenGemini();
    const stream = client.chat.completions.stream({
      model: 'main',
      messages: QUESTION,
      tools: [WEATHER_TOOL],
      max_tokens: 300,
      stream_options: { include_usage: true },
    });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const completion = await stream.finalChatCompletion();

    const call = completion.choices[0].message.tool_calls?.[0];
    expect(call?.type === 'function' && [call.function.name, JSON.parse(call.function.arguments)]).toEqual([
      'get_weather',
      { city: 'Paris' },
    ]);
    expect(completion.choices[0].finish_reason).toBe('tool_calls');
    const argumentPieces = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []).filter((t) => t.function?.arguments);
    expect(argumentPieces.length).toBeGreaterThan(1);
    // docs/providers.md, "Streams": a choice in every chunk but the final usage one.
    expect(chunks.slice(0, -1).every((c) => c.choices.length > 0)).toBe(true);
    expect(chunks[chunks.length - 1]).toMatchObject({ choices: [], usage: { prompt_tokens: 69, completion_tokens: 27 } });

    expect(only(anthropic).body).toMatchObject({ stream: true, tools: ANTHROPIC_TOOLS });
    expect(only(gemini).url).toBe('/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse');
    expect(only(azure).body).toMatchObject({ model: 'gpt4o-deploy', stream: true, stream_options: { include_usage: true } });
    await expectFailoverEvents();
  });

  it('streams Anthropic’s own tool call: text and input_json_delta arguments assembled by the SDK, no usage chunk unasked', async () => {
    const stream = client.chat.completions.stream({ model: 'main', messages: QUESTION, tools: [WEATHER_TOOL] });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const completion = await stream.finalChatCompletion();

    expect(completion.model).toBe('claude-sonnet-4-5');
    expect(completion.choices[0].message.content).toBe("Okay, let's check the weather for San Francisco, CA:");
    const calls = (completion.choices[0].message.tool_calls ?? []).map((c) => (c.type === 'function' ? c : undefined));
    expect(calls.map((c) => [c?.id, c?.function.name, JSON.parse(c?.function.arguments ?? 'null')])).toEqual([
      ['toolu_01T1x1fJ34qAmk2tNTrN7Up6', 'get_weather', { location: 'San Francisco, CA', unit: 'fahrenheit' }],
      ['toolu_01Bq2V8dC8b7mS5zE9xYkP4L', 'get_time', { timezone: 'America/Los_Angeles' }],
    ]);
    expect(chunks.every((c) => c.choices.length === 1)).toBe(true);
    expect(only(anthropic).body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 1000,
      system: 'You are terse.',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: ANTHROPIC_TOOLS,
      stream: true,
    });
    expect(gemini.received).toHaveLength(0);
  });

  it('ends a translated stream with the usage chunk when stream_options.include_usage asks, and only then', async () => {
    const stream = client.chat.completions.stream({ model: 'main', messages: QUESTION, stream_options: { include_usage: true } });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const completion = await stream.finalChatCompletion();

    expect(completion.choices[0].message.content).toBe('It is 21°C and clear in Paris.');
    expect(chunks.filter((c) => c.choices.length === 0)).toEqual([chunks[chunks.length - 1]]);
    expect(completion.usage).toEqual({ prompt_tokens: 58, completion_tokens: 12, total_tokens: 70 });
    // The option is the gateway's to honour: Anthropic's API has no such field.
    expect(only(anthropic).body).not.toHaveProperty('stream_options');
  });

  it('hands a tool-result turn to Gemini as functionCall and functionResponse when Anthropic is overloaded, and dates the answer', async () => {
    anthropic.next(anthropicError(529, 'overloaded_error'));
    const before = Math.floor(Date.now() / 1000);
    const { data, response } = await client.chat.completions
      .create({ model: 'main', messages: TOOL_TURN, tools: [WEATHER_TOOL] })
      .withResponse();
    const after = Math.ceil(Date.now() / 1000);

    expect(response.headers.get('x-switchboard-provider')).toBe('gem');
    expect(data.choices[0].message.content).toBe('Paris is warmer: 21°C and clear, Oslo 9°C with light rain.');
    expect(data.choices[0].finish_reason).toBe('stop');
    expect(data.model).toBe('gemini-2.0-flash');
    expect(data.created).toBeGreaterThanOrEqual(before);
    expect(data.created).toBeLessThanOrEqual(after);

    expect(only(anthropic).body).toMatchObject({
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'call_w1', name: 'get_weather', input: { city: 'Paris' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_w1', content: '{"temp_c":21,"sky":"clear"}' }] },
      ],
    });
    // docs/providers.md, "Gemini tool results": the function of the matching call, the content as a JSON object.
    expect(only(gemini).body).toMatchObject({
      contents: [
        { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
        { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temp_c: 21, sky: 'clear' } } }] },
      ],
    });
    expect(azure.received).toHaveLength(0);
  });

  it('streams Gemini’s function calls to the SDK when Anthropic is overloaded', async () => {
    anthropic.next(anthropicError(529, 'overloaded_error'));
    const completion = await client.chat.completions
      .stream({ model: 'main', messages: QUESTION, tools: [WEATHER_TOOL] })
      .finalChatCompletion();
    expect(completion.choices[0].message.content).toBe('Checking.');
    const calls = (completion.choices[0].message.tool_calls ?? []).map((c) => (c.type === 'function' ? c : undefined));
    expect(calls.map((c) => [c?.function.name, JSON.parse(c?.function.arguments ?? 'null')])).toEqual([
      ['get_weather', { city: 'Paris' }],
      ['get_time', {}],
    ]);
    expect(completion.choices[0].finish_reason).toBe('tool_calls');
    expect(only(gemini).url).toBe('/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse');
  });

  it('carries Gemini’s thought signatures through the SDK and back, streamed or not, so a thinking model accepts its replayed calls', async () => {
    anthropic.forKey(KEYS.claude, anthropicError(529, 'overloaded_error'));
    gemini.next({ json: fixtureJson<{ upstream: unknown }>('gemini', 'chat-thought-signature.response.json').upstream });
    const first = await client.chat.completions.create({ model: 'main', messages: QUESTION, tools: [WEATHER_TOOL] });
    gemini.next({ sse: fixtureText('gemini', 'thought-signature.sse'), pieceBytes: 5 });
    const streamed = await client.chat.completions
      .stream({ model: 'main', messages: QUESTION, tools: [WEATHER_TOOL] })
      .finalChatCompletion();

    for (const message of [first.choices[0].message, streamed.choices[0].message]) {
      const calls = message.tool_calls ?? [];
      const results: ChatCompletionMessageParam[] = calls.map((c) => ({ role: 'tool', tool_call_id: c.id, content: '{"temp_c":21}' }));
      await client.chat.completions.create({ model: 'main', messages: [...QUESTION, message, ...results], tools: [WEATHER_TOOL] });
    }

    const [, , replayed, replayedStream] = gemini.received.map((r) => r.body as { contents: Array<{ parts: unknown[] }> });
    expect(replayed.contents[1].parts).toEqual([
      {
        functionCall: { id: 'fc_9k2', name: 'get_weather', args: { city: 'Paris' } },
        thoughtSignature: 'CiQB0e2Kb3VxZ0pZc2lnbmF0dXJlLXBhcmlz',
      },
      { functionCall: { id: 'fc_9k3', name: 'get_weather', args: { city: 'Oslo' } } },
    ]);
    expect(replayed.contents[2].parts).toEqual([
      { functionResponse: { id: 'fc_9k2', name: 'get_weather', response: { temp_c: 21 } } },
      { functionResponse: { id: 'fc_9k3', name: 'get_weather', response: { temp_c: 21 } } },
    ]);
    expect(replayedStream.contents[1].parts[0]).toEqual({
      functionCall: { name: 'get_weather', args: { city: 'Paris' } },
      thoughtSignature: 'CiQB0e2Kb3VxZ0pZc2lnbmF0dXJlLXBhcmlz',
    });
    expect(azure.received).toHaveLength(0);
  });

  it('retires a Gemini key answered 400 API_KEY_INVALID (the key’s fault, not the request’s) and fails over to Azure', async () => {
    anthropic.next(anthropicError(529, 'overloaded_error'));
    gemini.forKey(KEYS.gem, errorCase('gemini', /^400 API_KEY_INVALID retires/));
    const { response } = await client.chat.completions.create({ model: 'main', messages: QUESTION }).withResponse();

    expect(response.headers.get('x-switchboard-provider')).toBe('az');
    const gem = await keyHistory(gw!, KEYS.gem);
    expect(gem.map((e) => e.type)).toEqual(['KeyRegistered', 'KeyRetired']);
    expect(gem[1].data).toMatchObject({ status: 400 });
    expect(JSON.stringify(gem)).not.toContain(KEYS.gem);
  });

  it('returns Gemini’s own 400 about the request to the client, without failover, and leaves the key alone', async () => {
    anthropic.next(anthropicError(529, 'overloaded_error'));
    const refusal = errorCase('gemini', /^400 INVALID_ARGUMENT about the request/);
    gemini.next(refusal);
    const attempt = client.chat.completions.create({ model: 'main', messages: QUESTION });

    await expect(attempt).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await attempt.catch((error: InstanceType<typeof OpenAI.BadRequestError>) => {
      expect(error.status).toBe(400);
      expect(error.error).toEqual((refusal.json as { error: unknown }).error);
    });
    expect(azure.received).toHaveLength(0);
    expect((await keyHistory(gw!, KEYS.gem)).map((e) => e.type)).toEqual(['KeyRegistered']);
  });

  it('embeds through Gemini for the SDK’s default base64 and for floats, passing over Anthropic, which cannot embed', async () => {
    const expected = fixtureJson<{ openai: { data: Array<{ embedding: number[] }> } }>('gemini', 'embeddings-batch.response.json').openai
      .data;
    const viaDefault = await client.embeddings.create({ model: 'embed-gemini', input: ['first', 'second'] });
    viaDefault.data.forEach((d, i) => d.embedding.forEach((v, j) => expect(v).toBeCloseTo(expected[i].embedding[j], 6)));
    const asFloats = await client.embeddings.create({ model: 'embed-gemini', input: ['first', 'second'], encoding_format: 'float' });
    expect(asFloats.data.map((d) => d.embedding)).toEqual(expected.map((d) => d.embedding));

    expect(anthropic.received).toHaveLength(0);
    expect(gemini.received).toHaveLength(2);
    for (const req of gemini.received) {
      expect(req).toMatchObject({ method: 'POST', url: '/v1beta/models/text-embedding-004:batchEmbedContents' });
      expectOwnKeyOnly(req, 'x-goog-api-key', KEYS.gem);
      expect(req.body).toEqual({
        requests: [
          { model: 'models/text-embedding-004', content: { parts: [{ text: 'first' }] } },
          { model: 'models/text-embedding-004', content: { parts: [{ text: 'second' }] } },
        ],
      });
    }
  });

  it('embeds through Cohere for the SDK’s default base64', async () => {
    const expected = fixtureJson<{ openai: { data: Array<{ embedding: number[] }>; usage: unknown } }>(
      'cohere',
      'embeddings.response.json',
    ).openai;
    const res = await client.embeddings.create({ model: 'embed-cohere', input: ['hello', 'world'] });
    res.data.forEach((d, i) => d.embedding.forEach((v, j) => expect(v).toBeCloseTo(expected.data[i].embedding[j], 6)));
    expect(res.usage).toEqual(expected.usage);

    const req = only(cohere);
    expect(req).toMatchObject({ method: 'POST', url: '/v2/embed' });
    expectOwnKeyOnly(req, 'authorization', `Bearer ${KEYS.co}`);
    expect(req.body).toEqual({
      model: 'embed-english-v3.0',
      texts: ['hello', 'world'],
      input_type: 'search_document',
      embedding_types: ['float'],
    });
  });

  it('skips Anthropic for n: 2, which it cannot do, to the next profile that can', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'main', messages: QUESTION, n: 2 }).withResponse();
    expect(response.headers.get('x-switchboard-provider')).toBe('gem');
    expect(data.choices[0].message.content).toContain('Paris is warmer');
    expect(anthropic.received).toHaveLength(0);
    expect(only(gemini).body).toMatchObject({ generationConfig: { candidateCount: 2 } });
  });

  it.each([
    ['n', { n: 2 }],
    ['logprobs', { logprobs: true }],
  ])('answers 400 naming %s and the profile when the only profile is Anthropic', async (param, extra) => {
    const attempt = client.chat.completions.create({ model: 'claude-only', messages: QUESTION, ...extra });
    await expect(attempt).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await attempt.catch((error: InstanceType<typeof OpenAI.BadRequestError>) => {
      expect(error.status).toBe(400);
      expect(error.param).toBe(param);
      expect(error.message).toContain(`'${param}'`);
      expect(error.message).toContain('claude');
    });
    expect(anthropic.received).toHaveLength(0);
  });

  it('answers 400 naming the field for an image part with an empty url, without calling Anthropic', async () => {
    // The gateway's own validation checks that the url is a string; that it says something is the mapper's to check.
    const image = { type: 'image_url', image_url: { url: '' } };
    const messages = [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, image] }];
    const res = await fetch(`${gw!.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}` },
      body: JSON.stringify({ model: 'claude-only', messages }),
    });
    const body = (await res.json()) as { error: { message: string } };
    expect(res.status).toBe(400);
    expect(body.error.message).toContain('messages[0].content[1].image_url.url');
    expect(anthropic.received).toHaveLength(0);
  });
});
