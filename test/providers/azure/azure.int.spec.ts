import { azureProvider, UndiciTransport, type CallContext, type ProfileInfo } from '@switchboard/providers';
import { errorCase, fixtureJson, startProviderUpstream, type ProviderUpstream } from '../../support/provider-upstreams';
import { accumulateWithSdk } from '../../support/provider-fixtures';
import { mapStream } from '../provider-stream';

describe('azure provider over a real socket', () => {
  const transport = new UndiciTransport();
  const sendOptions = { connectTimeoutMs: 5_000, timeoutMs: 15_000 };
  let upstream: ProviderUpstream;
  let profile: ProfileInfo;
  const ctx = (key: string, stream: boolean, model = 'gpt4o-deploy', p = profile): CallContext => ({ profile: p, model, key, stream });
  const last = () => upstream.received[upstream.received.length - 1];

  beforeAll(async () => {
    upstream = await startProviderUpstream('azure');
    profile = { name: 'azure_backup', type: 'azure', baseUrl: upstream.baseUrl, apiVersion: '2024-10-21' };
  });

  afterEach(() => upstream.reset());

  afterAll(async () => {
    await transport.close();
    await upstream.close();
  });

  it('posts the client body, model set to the deployment, to the deployment path with api-version and the api-key header', async () => {
    const body = fixtureJson<Record<string, unknown>>('azure', 'chat.request.json');
    const response = await transport.send(azureProvider.request('chat', body, ctx('live-key', true)), sendOptions);
    expect(response.status).toBe(200);
    const { chunks, done } = await mapStream(azureProvider, response.body, { id: 'unused', created: 0, model: 'gpt4o-deploy' });

    const sent = last();
    expect(sent.method).toBe('POST');
    expect(sent.url).toBe('/openai/deployments/gpt4o-deploy/chat/completions?api-version=2024-10-21');
    expect(sent.headers['api-key']).toBe('live-key');
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body).toEqual(fixtureJson<{ body: unknown }>('azure', 'chat.upstream.json').body);

    // Azure's opening `choices: []` with prompt_filter_results is bookkeeping: no client sees it.
    expect(done).toBe(true);
    expect(chunks.every((c) => c.choices.length > 0 || c.usage)).toBe(true);
    const completion = await accumulateWithSdk(chunks);
    const call = completion.choices[0].message.tool_calls?.[0];
    expect(completion.choices[0].finish_reason).toBe('tool_calls');
    expect(call?.type === 'function' && [call.function.name, JSON.parse(call.function.arguments)]).toEqual([
      'get_weather',
      { city: 'Paris' },
    ]);
  });

  it('addresses embeddings to the deployment with the profile api_version', async () => {
    const preview = { ...profile, apiVersion: '2025-01-01-preview' };
    const request = azureProvider.request(
      'embeddings',
      { model: 'embed', input: ['a', 'b'] },
      ctx('live-key', false, 'text-embed-3', preview),
    );
    const response = await transport.send(request, sendOptions);
    await response.body.text();
    expect(last()).toMatchObject({
      method: 'POST',
      url: '/openai/deployments/text-embed-3/embeddings?api-version=2025-01-01-preview',
      key: 'live-key',
      body: { model: 'text-embed-3', input: ['a', 'b'] },
    });
  });

  it('has no response mapper: a non-streamed answer reaches the client as Azure sent it', async () => {
    const body = { model: 'main-gpt', messages: [{ role: 'user', content: 'Weather in Paris?' }] };
    const response = await transport.send(azureProvider.request('chat', body, ctx('live-key', false)), sendOptions);
    expect(azureProvider.response).toBeUndefined();
    expect(JSON.parse(await response.body.text())).toEqual(fixtureJson('azure', 'chat-text.response.json'));
    expect(last().body).toEqual({ ...body, model: 'gpt4o-deploy' });
  });

  it('retires a key Azure calls invalid and cools down a rate-limited one for its retry-after-ms', async () => {
    const body = { model: 'main-gpt', messages: [{ role: 'user', content: 'hi' }] };
    const invalidKey = errorCase('azure', /^401/);
    const rateLimited = errorCase('azure', /^429 token rate limit/);
    upstream.forKey('dead-key', invalidKey);
    upstream.forKey('busy-key', rateLimited);
    for (const [key, expected] of [
      ['dead-key', invalidKey.outcome],
      ['busy-key', rateLimited.outcome],
    ] as const) {
      const res = await transport.send(azureProvider.request('chat', body, ctx(key, false)), sendOptions);
      expect(azureProvider.classify(res.status, res.headers, await res.body.text(), Date.now())).toEqual(expected);
    }
    expect(rateLimited.outcome).toMatchObject({ kind: 'quarantine', rateLimited: true, retryAfterMs: expect.any(Number) as number });
    expect(upstream.callsFor('dead-key')).toHaveLength(1);
  });

  it('probes with Models - List and the api-key header', async () => {
    const probe = await transport.send(azureProvider.probe({ profile, key: 'live-key' }), sendOptions);
    await probe.body.text();
    expect(probe.status).toBe(200);
    expect(last()).toMatchObject({ method: 'GET', url: '/openai/models?api-version=2024-10-21', key: 'live-key' });
  });
});
