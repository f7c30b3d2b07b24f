import fastifyCors from '@fastify/cors';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

type CorsHook = (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;

/** What a browser page may read of an answer besides the CORS-safelisted headers. */
const EXPOSED = [
  'x-request-id',
  'x-switchboard-provider',
  'x-switchboard-key',
  'x-switchboard-attempts',
  'retry-after',
  'x-ratelimit-limit-requests',
  'x-ratelimit-remaining-requests',
  'x-ratelimit-reset-requests',
  'x-ratelimit-limit-tokens',
  'x-ratelimit-remaining-tokens',
  'x-ratelimit-reset-tokens',
  'etag',
];

/** Whether `origin` is one of `allowed` (`*` allows any). */
export function corsAllows(allowed: readonly string[], origin: string): boolean {
  return allowed.includes('*') || allowed.includes(origin);
}

/**
 * CORS for the origins `origins()` lists (`cors.origins`, read at each request that sends one, so
 * a new config revision applies at once). `@fastify/cors` does the work; its request hook is kept
 * and run only for requests that carry `Origin`, so the server-to-server callers that make up the
 * load pay one header read, not the plugin's per-request option merge and `Vary` write. Installed
 * before auth, so a preflight is answered without a key and a 401 carries the CORS headers.
 */
export function installCors(fastify: FastifyInstance, origins: () => readonly string[]): void {
  let corsHook: CorsHook | undefined;
  const capturing = new Proxy(fastify, {
    get(target, prop) {
      if (prop === 'addHook')
        return (name: string, hook: CorsHook) => {
          if (name === 'onRequest' && corsHook === undefined) corsHook = hook;
          else (target.addHook as (n: string, h: CorsHook) => void)(name, hook);
          return capturing;
        };
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  fastifyCors(
    capturing,
    {
      origin: (origin, callback) => callback(null, origin !== undefined && corsAllows(origins(), origin)),
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      exposedHeaders: EXPOSED,
      maxAge: 600,
    },
    (error) => {
      if (error) throw error;
    },
  );
  if (!corsHook) throw new Error('@fastify/cors added no request hook');
  const hook = corsHook;
  fastify.addHook('onRequest', function (request, reply, done) {
    if (request.headers.origin === undefined) return done();
    hook.call(this, request, reply, done);
  });
}
