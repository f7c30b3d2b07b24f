import { decodeEmbedding, geminiProvider, UndiciTransport, type CallContext, type ProfileInfo } from '@switchboard/providers';
import { errorCase, providerFixtures, startProviderUpstream, type ProviderUpstream } from '../../support/provider-upstreams';
import { accumulateWithSdk } from '../../support/provider-fixtures';
import { mapStream } from '../provider-stream';

const fixtures = providerFixtures('gemini');

describe('gemini provider over a real socket', () => {
  const transport = new UndiciTransport();
  const sendOptions = { connectTimeoutMs: 5_000, timeoutMs: 15_000 };
  let upstream: ProviderUpstream;
  let profile: ProfileInfo;
  const ctx = (key: string, stream: boolean, model = 'gemini-2.0-flash'): CallContext => ({ profile, model, key, stream });
  const chat = { model: 'main-gemini', messages: [{ role: 'user', content: 'Weather in Paris, and the time?' }] };

  const lastSent = () => upstream.received[upstream.received.length - 1];
  /** The recorded answer with two function calls, whatever the request offered. */
  const functionCalls = fixtures.json<{ upstream: unknown }>('chat-function-call.response.json').upstream;

  beforeAll(async () => {
    upstream = await startProviderUpstream('gemini');
    upstream.forKey('dead-key', errorCase('gemini', /API_KEY_INVALID retires the key/));
    upstream.forKey('busy-key', errorCase('gemini', /waits RetryInfo/));
    profile = { name: 'gemini_main', type: 'gemini', baseUrl: upstream.baseUrl };
  });

  afterAll(async () => {
    await transport.close();
    await upstream.close();
  });

  it('streams from :streamGenerateContent?alt=sse and yields complete tool calls when the bytes arrive split', async () => {
    upstream.next({ sse: fixtures.text('function-call.sse'), pieceBytes: 5 });
    const response = await transport.send(geminiProvider.request('chat', { ...chat, stream: true }, ctx('live-key', true)), sendOptions);
    expect(response.status).toBe(200);

    const { chunks, done } = await mapStream(geminiProvider, response.body, {
      id: 'chatcmpl-int',
      created: 1700000000,
      model: 'gemini-2.0-flash',
    });
    const completion = await accumulateWithSdk(chunks);

    const sent = lastSent();
    expect(sent.method).toBe('POST');
    expect(sent.url).toBe('/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse');
    expect(sent.headers['x-goog-api-key']).toBe('live-key');
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body).toEqual({ contents: [{ role: 'user', parts: [{ text: 'Weather in Paris, and the time?' }] }] });

    expect(done).toBe(true);
    const message = completion.choices[0].message;
    expect(message.content).toBe('Checking.');
    expect(
      (message.tool_calls ?? []).map((call) => (call.type === 'function' ? [call.id, call.function.name, call.function.arguments] : call)),
    ).toEqual([
      ['call_s2_0_0', 'get_weather', '{"city":"Paris"}'],
      ['call_s2_0_1', 'get_time', '{}'],
    ]);
    expect(completion.choices[0].finish_reason).toBe('tool_calls');
  });

  it('maps a non-streamed answer from :generateContent', async () => {
    upstream.next({ json: functionCalls });
    const response = await transport.send(geminiProvider.request('chat', chat, ctx('live-key', false)), sendOptions);
    expect(geminiProvider.classify(response.status, response.headers, null, Date.now())).toEqual({ kind: 'ok' });
    const completion = geminiProvider.response?.('chat', JSON.parse(await response.body.text()), ctx('live-key', false));
    expect(completion).toMatchObject({
      object: 'chat.completion',
      choices: [
        {
          finish_reason: 'tool_calls',
          message: { content: 'Let me check both.', tool_calls: [{ function: { name: 'get_weather' } }, {}] },
        },
      ],
      usage: { prompt_tokens: 40, completion_tokens: 18, total_tokens: 58 },
    });
    const sent = lastSent();
    expect(sent.method).toBe('POST');
    expect(sent.url).toBe('/v1beta/models/gemini-2.0-flash:generateContent');
    expect(sent.headers['x-goog-api-key']).toBe('live-key');
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.body).toEqual({ contents: [{ role: 'user', parts: [{ text: 'Weather in Paris, and the time?' }] }] });
  });

  it('sends system, parameters, tools and a tool-result turn as Gemini documents them', async () => {
    const recorded = fixtures.json<{ openai: Record<string, unknown>; model: string; upstream: { body: unknown } }>(
      'chat-tools.request.json',
    );
    const response = await transport.send(
      geminiProvider.request('chat', recorded.openai, ctx('live-key', false, recorded.model)),
      sendOptions,
    );
    await response.body.text();
    const sent = lastSent();
    expect(sent.url).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(sent.body).toEqual(recorded.upstream.body);
  });

  it('embeds a list through :batchEmbedContents', async () => {
    const body = { model: 'embed', input: ['first', 'second'] };
    const response = await transport.send(
      geminiProvider.request('embeddings', body, ctx('live-key', false, 'text-embedding-004')),
      sendOptions,
    );
    const answer = geminiProvider.response?.(
      'embeddings',
      JSON.parse(await response.body.text()),
      ctx('live-key', false, 'text-embedding-004'),
    );
    const sent = lastSent();
    expect(sent.method).toBe('POST');
    expect(sent.url).toBe('/v1beta/models/text-embedding-004:batchEmbedContents');
    expect(sent.headers['x-goog-api-key']).toBe('live-key');
    expect(sent.body).toEqual({
      requests: [
        { model: 'models/text-embedding-004', content: { parts: [{ text: 'first' }] } },
        { model: 'models/text-embedding-004', content: { parts: [{ text: 'second' }] } },
      ],
    });
    expect((answer as { data: Array<{ index: number; embedding: number[] }> }).data).toEqual([
      { object: 'embedding', index: 0, embedding: [0.1, 0.2, 0.3] },
      { object: 'embedding', index: 1, embedding: [-0.3, 0, 0.9] },
    ]);
  });

  it('embeds one text through :embedContent with its output size, and answers base64 when asked', async () => {
    const call = { ...ctx('live-key', false, 'text-embedding-004'), encodingFormat: 'base64' as const };
    const response = await transport.send(
      geminiProvider.request('embeddings', { model: 'embed', input: 'hello', dimensions: 3 }, call),
      sendOptions,
    );
    const answer = geminiProvider.response?.('embeddings', JSON.parse(await response.body.text()), call) as {
      data: Array<{ embedding: string }>;
    };
    const sent = lastSent();
    expect(sent.url).toBe('/v1beta/models/text-embedding-004:embedContent');
    expect(sent.body).toEqual({ content: { parts: [{ text: 'hello' }] }, outputDimensionality: 3 });
    const expected = fixtures.json<{ openai: { data: Array<{ embedding: number[] }> } }>('embeddings-single.response.json').openai.data[0]
      .embedding;
    decodeEmbedding(answer.data[0].embedding).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
  });

  it('retires a key Gemini calls invalid and cools down a rate-limited one for its RetryInfo delay', async () => {
    const dead = await transport.send(geminiProvider.request('chat', chat, ctx('dead-key', false)), sendOptions);
    expect(geminiProvider.classify(dead.status, dead.headers, await dead.body.text(), Date.now())).toEqual({
      kind: 'retire',
      status: 400,
      reason: 'API_KEY_INVALID',
    });
    const busy = await transport.send(geminiProvider.request('chat', chat, ctx('busy-key', false)), sendOptions);
    expect(geminiProvider.classify(busy.status, busy.headers, await busy.body.text(), Date.now())).toEqual({
      kind: 'quarantine',
      status: 429,
      reason: 'RESOURCE_EXHAUSTED',
      rateLimited: true,
      retryAfterMs: 30_000,
    });
  });

  it('probes with one page of models and the key in the header', async () => {
    const probe = await transport.send(geminiProvider.probe({ profile, key: 'live-key' }), sendOptions);
    await probe.body.text();
    expect(probe.status).toBe(200);
    const sent = lastSent();
    expect(sent).toMatchObject({ method: 'GET', url: '/v1beta/models?pageSize=1' });
    expect(sent.headers['x-goog-api-key']).toBe('live-key');
  });
});
