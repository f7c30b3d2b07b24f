import { anthropicError, providerFixtures, startProviderUpstream, type ProviderUpstream } from '../../support/provider-upstreams';
import { accumulateWithSdk } from '../../support/provider-fixtures';
import { mapStream } from '../provider-stream';
import { anthropicProvider, UndiciTransport, type CallContext, type ProfileInfo } from '@switchboard/providers';

const fixtures = providerFixtures('anthropic');

describe('anthropic provider over a real socket', () => {
  const transport = new UndiciTransport();
  const sendOptions = { connectTimeoutMs: 5_000, timeoutMs: 15_000 };
  let upstream: ProviderUpstream;
  let profile: ProfileInfo;
  const ctx = (key: string, stream: boolean): CallContext => ({ profile, model: 'claude-sonnet-4-5', key, stream });
  const lastSent = () => upstream.received[upstream.received.length - 1];

  beforeAll(async () => {
    upstream = await startProviderUpstream('anthropic');
    upstream.forKey('dead-key', anthropicError(401, 'authentication_error'));
    upstream.forKey('busy-key', anthropicError(429, 'rate_limit_error', { 'retry-after': '30' }));
    profile = { name: 'claude_main', type: 'anthropic', baseUrl: upstream.baseUrl, maxTokensDefault: 1000 };
  });

  afterAll(async () => {
    await transport.close();
    await upstream.close();
  });

  it('sends the mapped body to /v1/messages and turns the streamed answer into chunks that add up', async () => {
    const request = anthropicProvider.request('chat', fixtures.json('tools.request.json'), ctx('live-key', true));
    upstream.next({ sse: fixtures.text('tool-use.sse') });
    const response = await transport.send(request, sendOptions);
    expect(response.status).toBe(200);

    const { chunks, done } = await mapStream(anthropicProvider, response.body, {
      id: 'chatcmpl-int',
      created: 1700000000,
      model: 'claude-sonnet-4-5',
    });
    const completion = await accumulateWithSdk(chunks);

    const sent = lastSent();
    expect(sent.url).toBe('/v1/messages');
    expect(sent.headers['x-api-key']).toBe('live-key');
    expect(sent.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent.body).toEqual(fixtures.json<{ body: unknown }>('tools.anthropic.json').body);

    expect(done).toBe(true);
    const message = completion.choices[0].message;
    expect(message.content).toBe("Okay, let's check the weather for San Francisco, CA:");
    expect((message.tool_calls ?? []).map((call) => (call.type === 'function' ? JSON.parse(call.function.arguments) : call))).toEqual([
      { location: 'San Francisco, CA', unit: 'fahrenheit' },
      { timezone: 'America/Los_Angeles' },
    ]);
    expect(completion.choices[0].finish_reason).toBe('tool_calls');
  });

  it('maps a non-streamed answer', async () => {
    const body = { model: 'main-claude', messages: [{ role: 'user', content: 'Weather in Paris and London?' }] };
    upstream.next({ json: fixtures.json('tool-use.response.json') });
    const response = await transport.send(anthropicProvider.request('chat', body, ctx('live-key', false)), sendOptions);
    expect(anthropicProvider.classify(response.status, response.headers, null, Date.now())).toEqual({ kind: 'ok' });
    const completion = anthropicProvider.response?.('chat', JSON.parse(await response.body.text()), ctx('live-key', false));
    expect(completion).toMatchObject({
      object: 'chat.completion',
      model: 'claude-sonnet-4-5',
      choices: [{ finish_reason: 'tool_calls', message: { content: "I'll check the weather in both cities." } }],
      usage: { prompt_tokens: 512, completion_tokens: 96, total_tokens: 608 },
    });
  });

  it('classifies the wire answers for a dead key and a rate-limited key', async () => {
    const body = { model: 'main-claude', messages: [{ role: 'user', content: 'hi' }] };
    const dead = await transport.send(anthropicProvider.request('chat', body, ctx('dead-key', false)), sendOptions);
    expect(anthropicProvider.classify(dead.status, dead.headers, await dead.body.text(), Date.now())).toEqual({
      kind: 'retire',
      status: 401,
      reason: 'authentication_error',
    });
    const busy = await transport.send(anthropicProvider.request('chat', body, ctx('busy-key', false)), sendOptions);
    expect(anthropicProvider.classify(busy.status, busy.headers, await busy.body.text(), Date.now())).toEqual({
      kind: 'quarantine',
      status: 429,
      reason: 'rate_limit_error',
      rateLimited: true,
      retryAfterMs: 30_000,
    });
  });

  it('probes with a GET that carries the key and version', async () => {
    const response = await transport.send(anthropicProvider.probe({ profile, key: 'live-key' }), sendOptions);
    await response.body.text();
    const sent = lastSent();
    expect(sent.url).toBe('/v1/models?limit=1');
    expect(sent.headers['x-api-key']).toBe('live-key');
    expect(sent.headers['anthropic-version']).toBe('2023-06-01');
  });
});
