import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const MAX_ID = 200;

/**
 * Every `/v1` answer carries `x-request-id`: the client's own when it sent a sane one, else a new
 * one. Set when the request arrives (so a hijacked stream carries it too) and, for answers sent
 * before that hook ran (auth's 401, body errors), when the answer leaves.
 */
export function installRequestId(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (request.url.startsWith('/v1')) void reply.header('x-request-id', requestId(request));
    done();
  });
  fastify.addHook(
    'onSend',
    (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void) => {
      if (!reply.hasHeader('x-request-id') && request.url.startsWith('/v1')) void reply.header('x-request-id', requestId(request));
      done(null, payload);
    },
  );
}

function requestId(request: FastifyRequest): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && given.length > 0 && given.length <= MAX_ID ? given : randomUUID();
}
