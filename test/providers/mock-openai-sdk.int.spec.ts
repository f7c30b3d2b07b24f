import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { MOCK_KEY, SseDecoder, mockProvider, type Operation } from '@switchboard/providers';

/**
 * The official SDK must accept what the mock says. A bare HTTP server plays the gateway's
 * passthrough: the provider builds the request, the mock transport answers it, and the stream
 * goes through the same decoder and mapper the gateway uses.
 */
const OPS: Record<string, Operation> = {
  '/v1/chat/completions': 'chat',
  '/v1/completions': 'completions',
  '/v1/embeddings': 'embeddings',
  '/v1/models': 'models',
};

function startGatewayStandIn(): Server {
  const profile = { name: 'mock', type: 'mock' as const, baseUrl: 'mock://local' };
  return createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      void (async () => {
        const op = OPS[(req.url ?? '').split('?')[0]];
        const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
        const model = typeof body.model === 'string' ? body.model : 'mock-1';
        const upstream = await mockProvider.transport.send(
          mockProvider.request(op, body, { profile, model, key: MOCK_KEY, stream: body.stream === true }),
          {
            connectTimeoutMs: 1000,
            timeoutMs: 1000,
          },
        );
        res.writeHead(upstream.status, { 'content-type': String(upstream.headers['content-type']) });
        if (upstream.headers['content-type'] !== 'text/event-stream') return res.end(await upstream.body.text());
        const decoder = new SseDecoder();
        let state = mockProvider.stream.init({ model, id: 'unused', created: 0 });
        for await (const bytes of upstream.body) {
          for (const event of decoder.push(bytes)) {
            const step = mockProvider.stream.next(state, event);
            state = step.state;
            for (const chunk of step.chunks) res.write(`data: ${typeof chunk === 'string' ? chunk : JSON.stringify(chunk)}\n\n`);
          }
        }
        res.end('data: [DONE]\n\n');
      })();
    });
  });
}

describe('mock provider through the official openai SDK', () => {
  let server: Server;
  let client: OpenAI;

  beforeAll(async () => {
    server = startGatewayStandIn().listen(0, '127.0.0.1');
    await once(server, 'listening');
    client = new OpenAI({ apiKey: 'unused', baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, maxRetries: 0 });
  });

  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('creates a chat completion', async () => {
    const answer = await client.chat.completions.create({ model: 'mock-1', messages: [{ role: 'user', content: 'ping' }] });
    expect(answer.choices[0].message.content).toBe('Mock reply to: ping');
    expect(answer.usage?.total_tokens).toBe(5);
  });

  it('streams a chat completion with the usage chunk', async () => {
    const stream = await client.chat.completions.create({
      model: 'mock-1',
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
      model: 'mock-1',
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

  it('lists models and completes prompts', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toContain('mock-1');
    const done = await client.completions.create({ model: 'mock-1', prompt: 'Say hi' });
    expect(done.choices[0].text).toBe('Mock completion of: Say hi');
  });

  it('surfaces mock-error-<status> as an APIError with that status', async () => {
    const failing = client.chat.completions.create({ model: 'mock-error-503', messages: [{ role: 'user', content: 'x' }] });
    await expect(failing).rejects.toBeInstanceOf(OpenAI.APIError);
    await expect(failing).rejects.toMatchObject({ status: 503, type: 'server_error' });
  });
});
