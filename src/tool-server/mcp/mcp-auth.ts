import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isLoopback } from '../../gateway/auth/auth.hook';
import { presentedKey } from '../../gateway/auth/key-ring';

/** A JSON-RPC error with no request id: what an MCP client reads from a refused HTTP call. */
export function mcpError(message: string, code = -32000): { jsonrpc: '2.0'; error: { code: number; message: string }; id: null } {
  return { jsonrpc: '2.0', error: { code, message }, id: null };
}

/** The keys `/mcp` takes, as the tool server currently knows them (see LiveTools). */
export interface McpKeys {
  readonly open: boolean;
  accepts(key: string): boolean;
}

const LOOPBACK_ONLY =
  'MCP answers only local (loopback) clients while the gateway config lists no key. List admin keys under auth.admin_keys (or client keys) and send one as Authorization: Bearer <key>.';

/**
 * `/mcp` takes the gateway's keys: an admin key, or a client key (configured, or issued through
 * /admin/clients and not revoked), as `Authorization: Bearer` or `x-api-key`. Its tools fetch
 * URLs and reach mounted servers, so with no key at all it is safe by default like /admin:
 * loopback callers only. Checked in onRequest, before the body is read.
 */
export function installMcpAuth(fastify: FastifyInstance, keys: McpKeys): void {
  if (keys.open) new Logger('McpAuth').warn('the config lists no admin or client key: /mcp answers only loopback clients');
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    const path = request.url.split('?', 1)[0];
    if (!(path === '/mcp' || path.startsWith('/mcp/'))) return done();
    if (keys.open) {
      if (isLoopback(request.socket.remoteAddress)) return done();
      void reply.code(403).send(mcpError(LOOPBACK_ONLY, -32001));
      return;
    }
    const key = presentedKey(request.headers);
    if (key !== undefined && keys.accepts(key)) return done();
    const message =
      key === undefined
        ? 'MCP needs a key: send a gateway client or admin key as Authorization: Bearer <key> or x-api-key.'
        : 'Incorrect API key provided.';
    void reply.code(401).header('www-authenticate', 'Bearer').send(mcpError(message, -32001));
  });
}
