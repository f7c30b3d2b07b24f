import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { replyHeaders } from '../http/reply-headers';

const MAX_ID = 200;

/**
 * Every `/v1` answer carries `x-request-id`: the client's own when it sent a sane one, else a new
 * one. Set when the request arrives, in the first hook, so every answer carries it: a stream, a
 * body error, auth's 401. (An onSend hook would do too, but costs every answer a hook run.)
 */
export function installRequestId(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (request.url.startsWith('/v1')) replyHeaders(reply)['x-request-id'] = requestId(request);
    done();
  });
}

function requestId(request: FastifyRequest): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && given.length > 0 && given.length <= MAX_ID ? given : randomUUID();
}
