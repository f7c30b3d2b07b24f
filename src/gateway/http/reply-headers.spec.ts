import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { writeRateLimitHeaders } from '../limits/client-limiter';
import type { RouteTarget } from '../routing/route-table';
import { installRequestId } from '../v1/request-id.hook';
import { routingHeaders } from '../v1/respond';
import { replyHeaders } from './reply-headers';

const target = { name: 'openai_main', model: 'gpt-4o-mini' } as RouteTarget;
const requests = { limit: 600, remaining: 599, resetMs: 60_000 };
const tokens = { limit: 100_000, remaining: 0, resetMs: 1_500 };

/** What the gateway wrote through `reply.header` before the fast path, in the same order. */
function throughFastify(reply: FastifyReply, body: Buffer | string, type: string): void {
  reply.header('x-ratelimit-limit-requests', '600');
  reply.header('x-ratelimit-remaining-requests', '599');
  reply.header('x-ratelimit-reset-requests', '60s');
  reply.header('x-ratelimit-limit-tokens', '100000');
  reply.header('x-ratelimit-remaining-tokens', '0');
  reply.header('x-ratelimit-reset-tokens', '2s');
  reply.header('x-switchboard-attempts', '2');
  reply.header('x-switchboard-provider', 'openai_main');
  reply.header('x-switchboard-model', 'gpt-4o-mini');
  reply.header('x-switchboard-key', 'sk-...a1b2');
  void reply.code(200).header('content-type', type).send(body);
}

function direct(reply: FastifyReply, body: Buffer | string, type: string): void {
  writeRateLimitHeaders(replyHeaders(reply), requests, tokens);
  routingHeaders(reply, 2, target, 'sk-...a1b2');
  replyHeaders(reply)['content-type'] = type;
  void reply.code(200).send(body);
}

/** The response's bytes as a client reads them, the Date line left out (it moves with the clock). */
function rawAnswer(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () =>
      socket.end(`GET ${path} HTTP/1.1\r\nHost: x\r\nX-Request-Id: rid-1\r\nConnection: close\r\n\r\n`),
    );
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () =>
      resolve(
        Buffer.concat(chunks)
          .toString('latin1')
          .replace(/^date: .*\r\n/im, ''),
      ),
    );
  });
}

describe('replyHeaders', () => {
  let app: FastifyInstance;
  let port: number;

  beforeAll(async () => {
    app = Fastify();
    installRequestId(app);
    const answers: Record<string, [Buffer | string, string]> = {
      passthrough: [Buffer.from('{"id":"chatcmpl-1","usage":{"total_tokens":3}}'), 'application/json'],
      translated: ['{"id":"chatcmpl-1"}', 'application/json'],
      charset: ['{"id":"chatcmpl-1"}', 'application/json; charset=utf-8'],
    };
    for (const [name, [body, type]] of Object.entries(answers)) {
      app.get(`/v1/fastify/${name}`, (_req, reply) => throughFastify(reply, body, type));
      app.get(`/v1/direct/${name}`, (_req, reply) => direct(reply, body, type));
    }
    app.get('/v1/read-back', (_req, reply) => {
      routingHeaders(reply, 1);
      void reply.send(JSON.stringify({ attempts: reply.getHeader('x-switchboard-attempts'), id: reply.getHeader('X-Request-Id') }));
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  });

  afterAll(() => app.close());

  it.each(['passthrough', 'translated', 'charset'])(
    'writes the same bytes as reply.header would: status, every header in order, body (%s)',
    async (name) => {
      const viaFastify = await rawAnswer(port, `/v1/fastify/${name}`);
      const viaStore = await rawAnswer(port, `/v1/direct/${name}`);
      expect(viaStore).toBe(viaFastify);
      expect(viaStore).toContain('x-request-id: rid-1\r\n');
      expect(viaStore).toContain('x-ratelimit-reset-tokens: 2s\r\nx-switchboard-attempts: 2\r\n');
    },
  );

  it('stores where Fastify reads its headers back', async () => {
    const answer = await rawAnswer(port, '/v1/read-back');
    expect(answer.endsWith('{"attempts":"1","id":"rid-1"}')).toBe(true);
  });
});
