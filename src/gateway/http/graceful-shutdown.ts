import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** How long a stopping gateway lets the requests in flight finish, unless SHUTDOWN_GRACE_MS says otherwise. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 25_000;

/** `SHUTDOWN_GRACE_MS` read once at start, so a typo fails the start rather than the shutdown. */
export function shutdownGraceMs(env: NodeJS.ProcessEnv): number {
  const raw = env.SHUTDOWN_GRACE_MS;
  if (raw === undefined || raw === '') return DEFAULT_SHUTDOWN_GRACE_MS;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 0) throw new Error(`SHUTDOWN_GRACE_MS: expected a whole number of milliseconds, got '${raw}'`);
  return ms;
}

export interface RequestsInFlight {
  readonly count: number;
}

/**
 * Counts the requests whose response has not closed yet: a stream is in flight until its last
 * byte (or its client leaving). One hook and one listener per request, both shared functions,
 * so counting allocates nothing of its own.
 */
export function countRequestsInFlight(fastify: FastifyInstance): RequestsInFlight {
  const tally = { count: 0 };
  function closed(): void {
    tally.count--;
  }
  fastify.addHook('onRequest', (_request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    tally.count++;
    reply.raw.on('close', closed); // a response closes once; `once` would wrap `closed` anew each time
    done();
  });
  return tally;
}

/**
 * Resolves once no request is in flight, or when `graceMs` has passed (then the ones left are cut
 * by the close that follows). New requests keep being served meanwhile: readiness already says
 * 503, and a load balancer takes a moment to stop sending them.
 */
export async function requestsFinished(inFlight: RequestsInFlight, graceMs: number): Promise<boolean> {
  const deadline = Date.now() + graceMs;
  while (inFlight.count > 0) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(50, Math.max(1, deadline - Date.now()))));
  }
  return true;
}
