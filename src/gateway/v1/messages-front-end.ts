import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { messages as dialect } from '@switchboard/dialects';
import { InvalidRequestError, type ChatCompletion } from '@switchboard/providers';
import { answerJson } from '../routing/answer';
import type { RouteResult } from '../routing/route-result';
import type { StreamFraming } from '../routing/stream-relay';
import { chunkObject, namedEvent, namedEvents } from './dialect-sse';
import type { Exchange, TranslatingFrontEnd } from './front-ends';
import { exhaustedBody, routingHeaders } from './respond';
import { COUNT_TOKENS_REQUEST_SCHEMA, MESSAGES_REQUEST_SCHEMA } from './schemas/messages.schema';
import { compileRequestCheck, type Invalid } from './validate';

type Json = Record<string, unknown>;

export const checkMessages = compileRequestCheck(MESSAGES_REQUEST_SCHEMA);
export const checkCountTokens = compileRequestCheck(COUNT_TOKENS_REQUEST_SCHEMA);

/** Anthropic's error `type` for a status. */
function anthropicErrorType(status: number): string {
  switch (status) {
    case 400:
    case 422:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 529:
      return 'overloaded_error';
    default:
      return 'api_error';
  }
}

/**
 * Errors in Anthropic's shape (`{type: "error", error: {type, message}}`), which its SDK reads;
 * `param` and `code` ride along inside `error`, so the field to fix is named as on every /v1 route.
 */
export function sendAnthropicError(
  reply: FastifyReply,
  status: number,
  message: string,
  fields: { param?: string | null; code?: string | null; extra?: Json } = {},
): void {
  void reply
    .code(status)
    .header('content-type', 'application/json; charset=utf-8')
    .send({
      type: 'error',
      error: { type: anthropicErrorType(status), message, param: fields.param ?? null, code: fields.code ?? null, ...fields.extra },
    });
}

/**
 * `POST /v1/messages`, a front end of the one routing pipeline: the Anthropic Messages request
 * becomes a chat request for the same alias (whatever provider types its chain holds), and the
 * chat answer, or each chunk of its stream, becomes an Anthropic message or its event sequence.
 */
export function messagesFrontEnd(): TranslatingFrontEnd {
  return {
    endpoint: '/v1/messages',
    op: 'chat',
    check: checkMessages,
    open: (body) => Promise.resolve(openMessage(body as dialect.MessagesRequest)),
    error: (reply, status, message, fields) => sendAnthropicError(reply, status, message, fields),
  };
}

/**
 * `POST /v1/messages/count_tokens`: the same translation, routed as `count_tokens`, which only
 * Anthropic profiles serve: the chain's first Anthropic profile answers, and a chain without one
 * is refused with 400 saying so.
 */
export function countTokensFrontEnd(): TranslatingFrontEnd {
  return {
    endpoint: '/v1/messages/count_tokens',
    op: 'count_tokens',
    check: checkCountTokens,
    // The count needs no answer budget; the translation wants one.
    open: (body) => Promise.resolve(openMessage({ ...(body as dialect.MessagesRequest), max_tokens: 1, stream: false }, true)),
    error: (reply, status, message, fields) => sendAnthropicError(reply, status, message, fields),
  };
}

function openMessage(req: dialect.MessagesRequest, counting = false): Exchange | { invalid: Invalid } {
  let chat: Json;
  try {
    chat = dialect.toChatRequest(req);
  } catch (error) {
    if (error instanceof InvalidRequestError) return { invalid: { param: error.param, message: error.message } };
    throw error;
  }
  const who = { id: `msg_${randomBytes(12).toString('hex')}`, model: req.model };
  return {
    body: chat,
    answer: (reply, alias, result) => answerMessage(reply, alias, result, who, counting),
    framing: messagesFraming(who),
  };
}

function answerMessage(
  reply: FastifyReply,
  alias: string,
  result: Exclude<RouteResult, { kind: 'streaming' }>,
  who: dialect.MessageIdentity,
  counting: boolean,
): number {
  switch (result.kind) {
    case 'served': {
      const answer = answerJson(result);
      const message = counting ? answer : dialect.toMessage(answer as unknown as ChatCompletion, who);
      routingHeaders(reply, result.attempts.length, result.target, result.fingerprint);
      void reply.code(200).header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(message));
      return 200;
    }
    case 'client_error':
      routingHeaders(reply, result.attempts.length, result.target, result.fingerprint);
      sendAnthropicError(reply, result.status, upstreamMessage(result.body) ?? `upstream answered ${result.status}`);
      return result.status;
    case 'unsupported':
      routingHeaders(reply, result.attempts.length);
      sendAnthropicError(reply, 400, result.message, { param: result.param, code: result.code ?? 'unsupported_parameter' });
      return 400;
    case 'exhausted': {
      routingHeaders(reply, result.attempts.length);
      if (result.retryAfterMs !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(result.retryAfterMs / 1000))));
      const { error } = exhaustedBody(alias, result) as { error: Json & { message: string } };
      sendAnthropicError(reply, 503, error.message, {
        code: 'chain_exhausted',
        extra: { attempts: error.attempts, skipped: error.skipped },
      });
      return 503;
    }
    case 'aborted':
      if (!reply.raw.destroyed) reply.raw.destroy();
      return 499;
  }
}

/** The upstream's own error message, whatever its format (OpenAI's, Anthropic's, Gemini's). */
function upstreamMessage(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    if (typeof parsed.error === 'object' && typeof parsed.error?.message === 'string') return parsed.error.message;
    if (typeof parsed.error === 'string') return parsed.error;
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON: the text itself
  }
  return body.slice(0, 2000) || undefined;
}

/** Anthropic's event sequence for one streamed answer: `message_start` leaves with the first chunk. */
function messagesFraming(who: dialect.MessageIdentity): StreamFraming {
  let state: dialect.MessagesStreamState | undefined;
  let opening = '';
  const started = (): dialect.MessagesStreamState => {
    if (!state) {
      const start = dialect.startMessageStream(who);
      opening = namedEvents(start.events);
      state = start.state;
    }
    return state;
  };
  const take = (text: string): string => {
    const all = opening + text;
    opening = '';
    return all;
  };
  return {
    chunk: (chunk) => {
      const step = dialect.nextMessageEvents(started(), chunkObject(chunk));
      state = step.state;
      return take(namedEvents(step.events));
    },
    end: () => take(namedEvents(dialect.finishMessageStream(started()).events)),
    interrupted: (reason) => {
      started();
      const [error] = dialect.failMessageStream({
        type: 'api_error',
        message: `The upstream stream was interrupted (${reason}); the answer is incomplete.`,
      });
      return take(namedEvent(error));
    },
  };
}
