import type { FastifyReply } from 'fastify';
import { openAiError } from '../http/openai-error';
import { replyHeaders } from '../http/reply-headers';
import { answerBody } from '../routing/answer';
import type { RouteResult } from '../routing/route-result';
import type { RouteTarget } from '../routing/route-table';

/** Which profile, model and key answered, on every response that had one; the count always. */
export function routingHeaders(reply: FastifyReply, attempts: number, target?: RouteTarget, fingerprint?: string): void {
  const headers = replyHeaders(reply);
  headers['x-switchboard-attempts'] = String(attempts);
  if (!target || !fingerprint) return;
  headers['x-switchboard-provider'] = target.name;
  headers['x-switchboard-model'] = target.model;
  headers['x-switchboard-key'] = fingerprint;
}

export function sendError(
  reply: FastifyReply,
  status: number,
  message: string,
  fields: { type?: string; param?: string | null; code?: string | null } = {},
): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'application/json; charset=utf-8')
    .send(openAiError(status, message, fields));
}

/** Answers every non-streaming outcome; returns the status sent (for metrics). */
export function sendResult(reply: FastifyReply, alias: string, result: Exclude<RouteResult, { kind: 'streaming' }>): number {
  switch (result.kind) {
    case 'served': {
      routingHeaders(reply, result.attempts.length, result.target, result.fingerprint);
      // The upstream's headers stay behind (they may carry anything, a key echoed too): of them
      // only a passthrough answer's content type is relayed; the rest are the gateway's own.
      const type = result.target.passthrough ? headerValue(result.headers['content-type']) : undefined;
      replyHeaders(reply)['content-type'] = type ?? 'application/json';
      void reply.code(200).send(answerBody(result));
      return 200;
    }
    case 'client_error': {
      routingHeaders(reply, result.attempts.length, result.target, result.fingerprint);
      const asIs = isErrorJson(result.body, result.contentType);
      void reply
        .code(result.status)
        .header('content-type', asIs ? (result.contentType as string) : 'application/json; charset=utf-8')
        .send(
          asIs
            ? result.body
            : JSON.stringify(openAiError(result.status, result.body.slice(0, 2000) || `upstream answered ${result.status}`)),
        );
      return result.status;
    }
    case 'unsupported':
      routingHeaders(reply, result.attempts.length);
      void sendError(reply, 400, result.message, { param: result.param, code: result.code ?? 'unsupported_parameter' });
      return 400;
    case 'exhausted':
      routingHeaders(reply, result.attempts.length);
      if (result.retryAfterMs !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(result.retryAfterMs / 1000))));
      void reply.code(503).header('content-type', 'application/json; charset=utf-8').send(exhaustedBody(alias, result));
      return 503;
    case 'aborted':
      // The client is gone; closing is all that is left to do.
      if (!reply.raw.destroyed) reply.raw.destroy();
      return 499;
  }
}

/** The 503 a client gets when no profile of the chain answered: every attempt and skip, keys by fingerprint. */
export function exhaustedBody(alias: string, result: Extract<RouteResult, { kind: 'exhausted' }>): Record<string, unknown> {
  const { attempts, skipped, keysSkipped, callCap } = result;
  const tried = attempts.map((a) => `${a.profile}/${a.key}: ${a.status ?? 'no answer'} ${a.reason}`);
  const passed = skipped.map((s) => `${s.profile}: ${s.reason}`);
  const calls = `${attempts.length} upstream call${attempts.length === 1 ? '' : 's'}${callCap !== undefined ? ` (the limit of ${callCap} per request)` : ''}`;
  const message = `No provider of '${alias}' could serve the request (${calls}${tried.length ? `: ${tried.join('; ')}` : ''}${
    passed.length ? `; skipped ${passed.join('; ')}` : ''
  }; ${keysSkipped} key${keysSkipped === 1 ? '' : 's'} not called).`;
  const body = openAiError(503, message, { type: 'service_unavailable', code: 'chain_exhausted' });
  // The attempts as the client has always seen them: their duration is the request record's.
  return {
    error: {
      ...body.error,
      attempts: attempts.map(({ ms: _ms, ...attempt }) => attempt),
      skipped,
      upstream_calls: attempts.length,
      keys_skipped: keysSkipped,
    },
  };
}

/**
 * The upstream's own words go back as they are; only a body that is not an error object at all
 * (plain text, an HTML page) is wrapped so OpenAI clients can still read it.
 */
function isErrorJson(body: string, contentType: string | undefined): boolean {
  return contentType !== undefined && contentType.includes('json') && /"error"\s*:/.test(body);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
