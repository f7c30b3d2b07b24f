import OpenAI from 'openai';
import type { StartedGateway } from '../../support/start-gateway';
import { reply, startScriptedUpstream, type ScriptedUpstream } from '../../support/scripted-upstream';
import { gatewayFor } from '../routing/routing-helpers';

/**
 * The compatibility proof: the official `openai` SDK, unmodified (only `baseURL` and `apiKey`),
 * against the real gateway routing to a real OpenAI-compatible HTTP upstream. Each alias has its
 * own profile so one case's failures cannot leak into another's.
 */
describe('the official openai SDK against the gateway', () => {
  let upstream: ScriptedUpstream;
  let gw: StartedGateway;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    upstream.always('sk-broken', reply.serverError(500));
    upstream.always('sk-flaky', reply.dropAfter(2));
    gw = await gatewayFor(
      upstream,
      { good: ['sk-good'], broken: ['sk-broken'], flaky: ['sk-flaky'] },
      {
        routing: { error_cooldown_ms: 0 },
        extra: {
          auth: { client_keys: ['client-key'] },
          models: {
            main: { chain: [{ provider: 'good', model: 'gpt-upstream' }] },
            broken: { chain: [{ provider: 'broken', model: 'gpt-upstream' }] },
            flaky: { chain: [{ provider: 'flaky', model: 'gpt-upstream' }] },
          },
        },
      },
    );
    client = new OpenAI({ apiKey: 'client-key', baseURL: `${gw.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  it('creates a chat completion, with the routing headers on the raw response', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'main', messages: [{ role: 'user', content: 'hello' }] })
      .withResponse();
    expect(data.choices[0].message.content).toBe('scripted answer from gpt-upstream');
    expect(data.usage?.total_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-switchboard-provider')).toBe('good');
    expect(response.headers.get('x-request-id')).toBeTruthy();
  });

  it('streams a chat completion', async () => {
    const stream = await client.chat.completions.create({ model: 'main', messages: [{ role: 'user', content: 'hello' }], stream: true });
    let text = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe('scripted answer from gpt-upstream');
    expect(finish).toBe('stop');
  });

  it('assembles a streamed answer with the SDK stream helper', async () => {
    const runner = client.chat.completions.stream({ model: 'main', messages: [{ role: 'user', content: 'hello' }] });
    const final = await runner.finalChatCompletion();
    expect(final.choices[0].message.content).toBe('scripted answer from gpt-upstream');
  });

  it('creates embeddings in the SDK default (base64) encoding and in floats', async () => {
    const base64 = await client.embeddings.create({ model: 'main', input: ['a', 'b'] });
    const sent = upstream.requests.at(-1)!.body as { encoding_format?: string };
    expect(sent.encoding_format).toBe('base64');
    expect(base64.data).toHaveLength(2);
    const [first, second] = base64.data.map((d) => d.embedding);
    [0.1, 0.2, 0.3].forEach((value, i) => expect(first[i]).toBeCloseTo(value, 5));
    expect(second[0]).toBeCloseTo(0.2, 5);

    const floats = await client.embeddings.create({ model: 'main', input: 'a', encoding_format: 'float' });
    expect(floats.data[0].embedding).toEqual([0.1, 0.2, 0.3]);
  });

  it('lists the configured aliases as models', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids.sort()).toEqual(['broken', 'flaky', 'main']);
  });

  it('raises NotFoundError for an unknown alias', async () => {
    const attempt = client.chat.completions.create({ model: 'no-such-alias', messages: [{ role: 'user', content: 'x' }] });
    await expect(attempt).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(attempt).rejects.toMatchObject({ status: 404, code: 'model_not_found', param: 'model' });
  });

  it('raises an APIError with status 503 when the whole chain fails', async () => {
    const attempt = client.chat.completions.create({ model: 'broken', messages: [{ role: 'user', content: 'x' }] });
    await expect(attempt).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    await expect(attempt).rejects.toMatchObject({ status: 503, code: 'chain_exhausted' });
  });

  it('raises AuthenticationError without a valid client key', async () => {
    const stranger = new OpenAI({ apiKey: 'wrong', baseURL: `${gw.url}/v1`, maxRetries: 0 });
    await expect(stranger.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('raises an APIError mid-stream when the upstream breaks after the first chunks, after handing those out', async () => {
    const stream = await client.chat.completions.create({ model: 'flaky', messages: [{ role: 'user', content: 'x' }], stream: true });
    const received: string[] = [];
    const read = (async () => {
      for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? '');
    })();
    await expect(read).rejects.toBeInstanceOf(OpenAI.APIError);
    await expect(read).rejects.toMatchObject({ code: 'upstream_stream_interrupted' });
    expect(received.join('')).toBe('one ');
  });
});
