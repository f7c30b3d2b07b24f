import { Logger } from '@nestjs/common';
import type { GatewayConfig } from '@switchboard/config';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { openAiError } from '../http/openai-error';
import { KeyRing, presentedKey, surfaceOf, type Surface } from './key-ring';

const MISSING =
  "You didn't provide an API key. Send it in an Authorization header using Bearer auth (Authorization: Bearer YOUR_KEY) or in an x-api-key header.";
const WRONG = 'Incorrect API key provided.';
const LOOPBACK_ONLY =
  'The admin API answers only local (loopback) clients while auth.admin_keys is empty. List admin keys under auth.admin_keys in the gateway config (e.g. admin_keys: ["${ADMIN_KEY}"]) and send one as Authorization: Bearer <key>.';

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 (`::ffff:127.0.0.1`), the way Node reports them. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}

/**
 * Checks keys in Fastify's onRequest hook, before the body is read or a route runs, so an
 * unauthenticated request costs nothing. Both the raw path and the matched route are checked, so
 * no spelling of a path slips past.
 */
export function installAuth(fastify: FastifyInstance, auth: GatewayConfig['auth']): void {
  const rings: Record<Exclude<Surface, 'open'>, KeyRing> = {
    client: new KeyRing(auth.clientKeys),
    admin: new KeyRing(auth.adminKeys),
  };
  const logger = new Logger('Auth');
  if (rings.client.open) logger.warn('auth.client_keys is empty: /v1 is open to anyone who can reach it');
  if (rings.admin.open) logger.warn('auth.admin_keys is empty: /admin answers only loopback clients');

  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    const surface = surfaceFor(request);
    if (surface === 'open') return done();
    if (rings[surface].open) {
      // An open admin surface is a local operator's convenience, never the network's.
      if (surface === 'client' || isLoopback(request.socket.remoteAddress)) return done();
      void reply.code(403).send(openAiError(403, LOOPBACK_ONLY, { type: 'permission_error', code: 'admin_loopback_only' }));
      return;
    }
    const key = presentedKey(request.headers);
    if (key !== undefined && rings[surface].accepts(key)) return done();
    const body =
      key === undefined
        ? openAiError(401, MISSING, { type: 'invalid_request_error', code: 'invalid_api_key' })
        : openAiError(401, WRONG, { type: 'authentication_error', code: 'invalid_api_key' });
    void reply.code(401).header('www-authenticate', 'Bearer').send(body);
  });
}

function surfaceFor(request: FastifyRequest): Surface {
  const path = request.url.split('?', 1)[0];
  const byPath = surfaceOf(path);
  if (byPath !== 'open') return byPath;
  const route = request.routeOptions?.url;
  return route ? surfaceOf(route) : 'open';
}
