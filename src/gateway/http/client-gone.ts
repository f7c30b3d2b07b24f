import { Cancellation } from '@switchboard/providers';
import type { FastifyReply } from 'fastify';

/**
 * Calls `listener` when the client hangs up before its answer is complete. A response closes once,
 * so `on` does: `once` would wrap the listener and bind the wrapper on every request, and search
 * for it to take it off again.
 */
function onClientGone(reply: FastifyReply, listener: () => void): void {
  const raw = reply.raw;
  raw.on('close', () => {
    if (!raw.writableFinished) listener();
  });
}

/**
 * Cancels the request's upstream calls when the client hangs up. A `Cancellation` (cheap enough to
 * make for every request), not an AbortController.
 */
export function clientGone(reply: FastifyReply): Cancellation {
  const cancellation = new Cancellation();
  onClientGone(reply, () => cancellation.abort(new Error('client disconnected')));
  return cancellation;
}

/** The same as an AbortSignal, for the ReAct engine, whose ports speak AbortSignal. */
export function clientGoneSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  onClientGone(reply, () => controller.abort(new Error('client disconnected')));
  return controller.signal;
}
