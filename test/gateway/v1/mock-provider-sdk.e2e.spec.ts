import OpenAI from 'openai';
import { startGateway, type StartedGateway } from '../../support/start-gateway';

/**
 * The offline demo's promise: the `mock` provider type, served by the real gateway, says only what
 * the official SDK accepts (chat, streams with usage, streamed tool calls, base64 embeddings,
 * completions, errors). The same SDK against an OpenAI-compatible upstream is openai-sdk.e2e.
 */
describe('the mock provider through the gateway and the official openai SDK', () => {
  let gw: StartedGateway;
  let client: OpenAI;

  beforeAll(async () => {
    gw = await startGateway({
      config: {
        providers: { mock: { type: 'mock' } },
        models: {
          'mock-fast': { chain: [{ provider: 'mock', model: 'mock-1' }] },
          'mock-embed': { chain: [{ provider: 'mock', model: 'mock-embed' }] },
          'mock-down': { chain: [{ provider: 'mock', model: 'mock-error-503' }] },
        },
        // The error case must not leave the mock's one key cooling down for the cases after it.
        routing: { error_cooldown_ms: 0, retries: { max_attempts: 1 } },
        keeper: { enabled: false },
      },
    });
    client = new OpenAI({ apiKey: 'unused', baseURL: `${gw.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await gw.close();
  });

  it('creates a chat completion', async () => {
    const answer = await client.chat.completions.create({ model: 'mock-fast', messages: [{ role: 'user', content: 'ping' }] });
    expect(answer.choices[0].message.content).toBe('Mock reply to: ping');
    expect(answer.usage?.total_tokens).toBe(5);
  });

  it('streams a chat completion with the usage chunk', async () => {
    const stream = await client.chat.completions.create({
      model: 'mock-fast',
      messages: [{ role: 'user', content: 'ping pong' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let total: number | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      total = chunk.usage?.total_tokens ?? total;
    }
    expect(text).toBe('Mock reply to: ping pong');
    expect(total).toBe(7);
  });

  it('assembles a streamed tool call with the SDK stream helper', async () => {
    const runner = client.chat.completions.stream({
      model: 'mock-fast',
      messages: [{ role: 'user', content: 'What is 6 * 7?' }],
      tools: [
        {
          type: 'function',
          function: { name: 'calculator', parameters: { type: 'object', properties: { expression: { type: 'string' } } } },
        },
      ],
    });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0].message.tool_calls?.[0];
    expect(final.choices[0].finish_reason).toBe('tool_calls');
    expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ expression: '6 * 7' });
  });

  it('decodes embeddings in the SDK default (base64) encoding', async () => {
    const res = await client.embeddings.create({ model: 'mock-embed', input: ['a', 'a', 'b'] });
    const [a, a2, b] = res.data.map((d) => d.embedding);
    expect(a).toHaveLength(8);
    expect(Math.hypot(...a)).toBeCloseTo(1, 5);
    expect(a2).toEqual(a);
    expect(b).not.toEqual(a);
  });

  it('completes prompts', async () => {
    const done = await client.completions.create({ model: 'mock-fast', prompt: 'Say hi' });
    expect(done.choices[0].text).toBe('Mock completion of: Say hi');
  });

  it('surfaces a mock-error-<status> upstream as the APIError of an exhausted chain', async () => {
    const failing = client.chat.completions.create({ model: 'mock-down', messages: [{ role: 'user', content: 'x' }] });
    await expect(failing).rejects.toBeInstanceOf(OpenAI.APIError);
    await expect(failing).rejects.toMatchObject({ status: 503, code: 'chain_exhausted' });
  });
});
