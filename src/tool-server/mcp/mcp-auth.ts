import { Logger } from '@nestjs/common';
import type { GatewayConfig } from '@switchboard/config';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { KeyRing, presentedKey } from '../../gateway/auth/key-ring';

/** A JSON-RPC error with no request id: what an MCP client reads from a refused HTTP call. */
export function mcpError(message: string, code = -32000): { jsonrpc: '2.0'; error: { code: number; message: string }; id: null } {
  return { jsonrpc: '2.0', error: { code, message }, id: null };
}

/**
 * `/mcp` takes the gateway's keys: an admin key or a client key, as `Authorization: Bearer` or
 * `x-api-key`. With neither list configured it is open, as the gateway's /v1 is (with a warning).
 * Checked in onRequest, before the body is read.
 */
export function installMcpAuth(fastify: FastifyInstance, auth: GatewayConfig['auth']): void {
  const ring = new KeyRing([...auth.clientKeys, ...auth.adminKeys]);
  if (ring.open) new Logger('McpAuth').warn('auth.client_keys and auth.admin_keys are empty: /mcp is open to anyone who can reach it');
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    const path = request.url.split('?', 1)[0];
    if (ring.open || !(path === '/mcp' || path.startsWith('/mcp/'))) return done();
    const key = presentedKey(request.headers);
    if (key !== undefined && ring.accepts(key)) return done();
    const message =
      key === undefined
        ? 'MCP needs a key: send a gateway client or admin key as Authorization: Bearer <key> or x-api-key.'
        : 'Incorrect API key provided.';
    void reply.code(401).header('www-authenticate', 'Bearer').send(mcpError(message, -32001));
  });
}
