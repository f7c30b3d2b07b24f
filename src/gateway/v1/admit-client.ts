import type { ClientView } from '@switchboard/domain';
import type { FastifyReply } from 'fastify';
import { replyHeaders } from '../http/reply-headers';
import { writeRateLimitHeaders, type ClientLimiter, type Ticket, type Verdict } from '../limits/client-limiter';

/** A request this client may not make now: what the front end answers, in its own error format. */
export interface Refusal {
  refused: true;
  status: number;
  message: string;
  fields: { type?: string; param?: string | null; code?: string | null };
}

/**
 * May this client use this alias now? A refusal for an alias outside the key's models (403), over
 * a limit (429, with Retry-After set on the reply), or with the counters unreachable under
 * `limits.on_redis_error: deny` (503); otherwise the `x-ratelimit-*` headers are set and the
 * ticket to release when the request ends is returned. Synchronous with in-memory counters.
 */
export function admitClient(
  limiter: ClientLimiter,
  client: ClientView | null,
  alias: string,
  reply: FastifyReply,
): Ticket | Refusal | Promise<Ticket | Refusal> {
  if (client?.models && !client.models.has(alias)) {
    return {
      refused: true,
      status: 403,
      message: `This key may not use the model '${alias}'.`,
      fields: { type: 'permission_error', param: 'model', code: 'model_not_allowed' },
    };
  }
  const verdict = limiter.admit(client, alias);
  return verdict instanceof Promise ? verdict.then((v) => answer(v, reply)) : answer(verdict, reply);
}

function answer(verdict: Verdict, reply: FastifyReply): Ticket | Refusal {
  if (verdict.ok) {
    writeRateLimitHeaders(replyHeaders(reply), verdict.requests, verdict.tokens);
    return verdict.ticket;
  }
  void reply.headers(verdict.headers);
  return {
    refused: true,
    status: verdict.status,
    message: verdict.message,
    fields: { type: verdict.code === 'insufficient_quota' ? 'insufficient_quota' : undefined, code: verdict.code },
  };
}
