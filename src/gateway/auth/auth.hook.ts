import { Logger } from '@nestjs/common';
import type { GatewayConfig } from '@switchboard/config';
import type { ClientKeysProjection, ClientView } from '@switchboard/domain';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { openAiError } from '../http/openai-error';
import { KeyRing, presentedKey, surfaceOf, type Surface } from './key-ring';

declare module 'fastify' {
  interface FastifyRequest {
    /** The client whose key a /v1 request presented (null on an open gateway). */
    client: ClientView | null;
    /** The name of the admin key an /admin request presented (null when admin is open to loopback). */
    adminName: string | null;
  }
}

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
 * no spelling of a path slips past. Client keys come from the client-keys projection (configured
 * and issued ones), so a key issued or revoked on any replica counts here as soon as its event
 * arrives; /v1 is open only while no client key exists at all.
 */
export function installAuth(
  fastify: FastifyInstance,
  auth: GatewayConfig['auth'],
  clients: ClientKeysProjection,
  live?: { onChange(listener: (config: GatewayConfig) => void): void },
): void {
  let admin = new KeyRing(auth.adminKeys);
  // A new config brings its own keys: the admin ring and the configured client keys are replaced whole.
  live?.onChange((config) => {
    admin = new KeyRing(config.auth.adminKeys);
    clients.configure(config.auth.clientKeys, new Date().toISOString());
  });
  const logger = new Logger('Auth');
  if (clients.empty) logger.warn('no client keys (auth.client_keys, /admin/clients): /v1 is open to anyone who can reach it');
  if (admin.open) logger.warn('auth.admin_keys is empty: /admin answers only loopback clients');
  fastify.decorateRequest('client', null);
  fastify.decorateRequest('adminName', null);

  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    const surface = surfaceFor(request);
    if (surface === 'open') return done();
    if (surface === 'client') {
      if (clients.empty) return done();
      const key = presentedKey(request.headers);
      const client = key === undefined ? undefined : clients.identify(key);
      if (client) {
        request.client = client;
        return done();
      }
      return refuse(reply, key);
    }
    if (admin.open) {
      // An open admin surface is a local operator's convenience, never the network's.
      if (isLoopback(request.socket.remoteAddress)) return done();
      void reply.code(403).send(openAiError(403, LOOPBACK_ONLY, { type: 'permission_error', code: 'admin_loopback_only' }));
      return;
    }
    const key = presentedKey(request.headers);
    const name = key === undefined ? undefined : admin.find(key);
    if (name !== undefined) {
      request.adminName = name;
      return done();
    }
    refuse(reply, key);
  });
}

function refuse(reply: FastifyReply, key: string | undefined): void {
  const body =
    key === undefined
      ? openAiError(401, MISSING, { type: 'invalid_request_error', code: 'invalid_api_key' })
      : openAiError(401, WRONG, { type: 'authentication_error', code: 'invalid_api_key' });
  void reply.code(401).header('www-authenticate', 'Bearer').send(body);
}

function surfaceFor(request: FastifyRequest): Surface {
  const path = request.url.split('?', 1)[0];
  const byPath = surfaceOf(path);
  if (byPath !== 'open') return byPath;
  const route = request.routeOptions?.url;
  return route ? surfaceOf(route) : 'open';
}
