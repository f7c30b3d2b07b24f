import { Cancellation } from '@switchboard/providers';
import type { FastifyReply } from 'fastify';

/** Calls `listener` when the client hangs up before its answer is complete. */
function onClientGone(reply: FastifyReply, listener: () => void): void {
  const raw = reply.raw;
  raw.once('close', () => {
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
