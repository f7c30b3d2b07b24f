import { cohereProvider, decodeEmbedding, UndiciTransport, type CallContext, type ProfileInfo } from '@switchboard/providers';
import { errorCase, fixtureJson, startProviderUpstream, type ProviderUpstream } from '../../support/provider-upstreams';
import { accumulateWithSdk } from '../../support/provider-fixtures';
import { mapStream } from '../provider-stream';

interface RequestFixture {
  model: string;
  openai: Record<string, unknown>;
  upstream: { body: unknown };
}

describe('cohere provider over a real socket', () => {
  const transport = new UndiciTransport();
  const sendOptions = { connectTimeoutMs: 5_000, timeoutMs: 15_000 };
  let upstream: ProviderUpstream;
  let profile: ProfileInfo;
  const ctx = (key: string, stream: boolean, model = 'command-a-03-2025'): CallContext => ({
    profile,
    model,
    key,
    stream,
    created: 1700000000,
  });
  const last = () => upstream.received[upstream.received.length - 1];

  beforeAll(async () => {
    upstream = await startProviderUpstream('cohere');
    profile = { name: 'cohere_main', type: 'cohere', baseUrl: upstream.baseUrl };
  });

  afterEach(() => upstream.reset());

  afterAll(async () => {
    await transport.close();
    await upstream.close();
  });

  it('posts the v2 chat body with the bearer key and turns the split stream into chunks that add up, tool plan and calls included', async () => {
    const f = fixtureJson<RequestFixture>('cohere', 'chat-tools.request.json');
    const response = await transport.send(cohereProvider.request('chat', f.openai, ctx('live-key', true, f.model)), sendOptions);
    expect(response.status).toBe(200);
    const { chunks, done } = await mapStream(cohereProvider, response.body, { id: 'chatcmpl-int', created: 1700000000, model: f.model });

    const sent = last();
    expect(sent.method).toBe('POST');
    expect(sent.url).toBe('/v2/chat');
    expect(sent.headers.authorization).toBe('Bearer live-key');
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.body).toEqual(f.upstream.body);

    expect(done).toBe(true);
    // No stream_options.include_usage: every chunk has a choice, as OpenAI's would.
    expect(chunks.every((c) => c.choices.length === 1)).toBe(true);
    const completion = await accumulateWithSdk(chunks);
    expect(completion.choices[0].message.content).toBe('I will check both cities.');
    expect(completion.choices[0].finish_reason).toBe('tool_calls');
    const calls = (completion.choices[0].message.tool_calls ?? []).map((c) => (c.type === 'function' ? c : undefined));
    expect(calls.map((c) => [c?.id, c?.function.name, JSON.parse(c?.function.arguments ?? 'null')])).toEqual([
      ['get_weather_nsz5zm3w56q3', 'get_weather', { city: 'Madrid' }],
      ['get_weather_g1k7yjycj2gk', 'get_weather', { city: 'Brasilia' }],
    ]);
  });

  it('maps a non-streamed answer, dated by the router', async () => {
    const body = { model: 'main-cohere', messages: [{ role: 'user', content: 'What is Coca-Cola?' }] };
    const response = await transport.send(cohereProvider.request('chat', body, ctx('live-key', false)), sendOptions);
    const answer = cohereProvider.response?.('chat', JSON.parse(await response.body.text()), ctx('live-key', false));
    expect(last().body).toEqual({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'What is Coca-Cola?' }], stream: false });
    expect(answer).toEqual(fixtureJson<{ openai: unknown }>('cohere', 'chat-text.response.json').openai);
  });

  it('embeds through /v2/embed and answers base64 when the client (the openai SDK by default) asks for it', async () => {
    const f = fixtureJson<RequestFixture>('cohere', 'embeddings-batch.request.json');
    const call = { ...ctx('live-key', false, f.model), encodingFormat: 'base64' as const };
    const response = await transport.send(cohereProvider.request('embeddings', f.openai, call), sendOptions);
    const answer = cohereProvider.response?.('embeddings', JSON.parse(await response.body.text()), call) as {
      data: Array<{ index: number; embedding: string }>;
      usage: unknown;
    };
    expect(last()).toMatchObject({ method: 'POST', url: '/v2/embed', key: 'live-key', body: f.upstream.body });
    const expected = fixtureJson<{ openai: { data: Array<{ embedding: number[] }> } }>('cohere', 'embeddings.response.json').openai.data;
    answer.data.forEach((d, i) => decodeEmbedding(d.embedding).forEach((v, j) => expect(v).toBeCloseTo(expected[i].embedding[j], 6)));
    expect(answer.usage).toEqual({ prompt_tokens: 2, total_tokens: 2 });
  });

  it.each([
    ['an invalid token', 'dead-key', /^401 invalid api token/],
    ['a trial key over its limit', 'busy-key', /^429 trial key/],
    ['a request with too many tokens', 'fine-key', /^400 too many tokens/],
  ])('classifies the wire answer for %s as the recorded case says', async (_what, key, name) => {
    const recorded = errorCase('cohere', name);
    upstream.forKey(key, recorded);
    const body = { model: 'main-cohere', messages: [{ role: 'user', content: 'hi' }] };
    const res = await transport.send(cohereProvider.request('chat', body, ctx(key, false)), sendOptions);
    expect(cohereProvider.classify(res.status, res.headers, await res.body.text(), Date.now())).toEqual(recorded.outcome);
  });

  it('probes with one page of models and the bearer key', async () => {
    const probe = await transport.send(cohereProvider.probe({ profile, key: 'live-key' }), sendOptions);
    await probe.body.text();
    expect(probe.status).toBe(200);
    expect(last()).toMatchObject({ method: 'GET', url: '/v1/models?page_size=1', key: 'live-key' });
  });
});
