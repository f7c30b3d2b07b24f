import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fixturesIn } from '../../support/fixtures';
import { accumulateWithSdk } from '../../support/provider-fixtures';
import { mapStream } from '../provider-stream';
import { anthropicProvider, UndiciTransport, type CallContext, type ProfileInfo } from '@switchboard/providers';

const fixtures = fixturesIn(`${__dirname}/../../../libs/providers/anthropic/fixtures`);

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A stand-in for api.anthropic.com on a real socket: it replays the recorded fixtures, sending a
 * stream in 7-byte pieces so events and multi-byte characters split across TCP writes.
 */
function scriptedAnthropic(received: Received[]): Server {
  return createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (part: string) => (body += part));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      const key = req.headers['x-api-key'];
      if (req.method === 'GET') {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end('{"data":[{"type":"model","id":"claude-sonnet-4-5"}],"has_more":true}');
        return;
      }
      if (key === 'dead-key') {
        res.writeHead(401, { 'content-type': 'application/json' }).end(fixtures.text('errors/authentication_error.json'));
        return;
      }
      if (key === 'busy-key') {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '30' }).end(fixtures.text('errors/rate_limit_error.json'));
        return;
      }
      if (!(JSON.parse(body) as { stream?: boolean }).stream) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(fixtures.text('tool-use.response.json'));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const bytes = Buffer.from(fixtures.text('tool-use.sse'));
      const writePiece = (at: number): void => {
        if (at >= bytes.length) {
          res.end();
          return;
        }
        res.write(bytes.subarray(at, at + 7));
        setImmediate(() => writePiece(at + 7));
      };
      writePiece(0);
    });
  });
}

describe('anthropic provider over a real socket', () => {
  const received: Received[] = [];
  const transport = new UndiciTransport();
  const sendOptions = { connectTimeoutMs: 5_000, timeoutMs: 15_000 };
  let server: Server;
  let profile: ProfileInfo;
  const ctx = (key: string, stream: boolean): CallContext => ({ profile, model: 'claude-sonnet-4-5', key, stream });

  beforeAll(async () => {
    server = scriptedAnthropic(received).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    profile = { name: 'claude_main', type: 'anthropic', baseUrl: `http://127.0.0.1:${port}`, maxTokensDefault: 1000 };
  });

  afterAll(async () => {
    await transport.close();
    server.close();
    await once(server, 'close');
  });

  it('sends the mapped body to /v1/messages and turns the streamed answer into chunks that add up', async () => {
    const request = anthropicProvider.request(
      'chat',
      JSON.parse(fixtures.text('tools.request.json')) as Record<string, unknown>,
      ctx('live-key', true),
    );
    const response = await transport.send(request, sendOptions);
    expect(response.status).toBe(200);

    const { chunks, done } = await mapStream(anthropicProvider, response.body, {
      id: 'chatcmpl-int',
      created: 1700000000,
      model: 'claude-sonnet-4-5',
    });
    const completion = await accumulateWithSdk(chunks);

    const upstream = received[received.length - 1];
    expect(upstream.path).toBe('/v1/messages');
    expect(upstream.headers['x-api-key']).toBe('live-key');
    expect(upstream.headers['anthropic-version']).toBe('2023-06-01');
    expect(JSON.parse(upstream.body)).toEqual((JSON.parse(fixtures.text('tools.anthropic.json')) as { body: unknown }).body);

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
    const upstream = received[received.length - 1];
    expect(upstream.path).toBe('/v1/models?limit=1');
    expect(upstream.headers['x-api-key']).toBe('live-key');
    expect(upstream.headers['anthropic-version']).toBe('2023-06-01');
  });
});
