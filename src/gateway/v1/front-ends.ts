import type { FastifyReply } from 'fastify';
import type { Operation } from '@switchboard/providers';
import type { Endpoint } from '../routing/request-record';
import type { RouteResult } from '../routing/route-result';
import { OPENAI_FRAMING, type StreamFraming } from '../routing/stream-relay';
import { sendResult } from './respond';
import { VALIDATORS, type Invalid, type RequestCheck } from './validate';

/**
 * A /v1 endpoint as a front end of the one routing pipeline: translate in (check the body, and
 * for a non-OpenAI format map it to the operation's OpenAI body), route, translate out (the
 * result, or the stream's chunks, in the endpoint's own format). `V1Controller.serve` runs every
 * front end the same way; a new endpoint (`/v1/responses`, `/v1/messages`) is one more entry.
 */
interface FrontEndBase {
  readonly endpoint: Endpoint;
  /** What the upstream is asked for. */
  readonly op: Exclude<Operation, 'models'>;
  /** Translate in: what is wrong with the body, named by the field a client must fix. */
  readonly check: RequestCheck;
}

/** How one request's answer goes out: the result, or each chunk of its stream. */
export interface AnswerWriter {
  /** Translate out: writes a result that is not a stream; returns the status sent. */
  answer(reply: FastifyReply, alias: string, result: Exclude<RouteResult, { kind: 'streaming' }>): number | Promise<number>;
  /** Translate out, streaming. */
  readonly framing: StreamFraming;
}

/** An OpenAI endpoint: the body is routed as it came, answered by one shared writer (nothing made per request). */
export interface OpenAiFrontEnd extends FrontEndBase, AnswerWriter {
  readonly answer: (reply: FastifyReply, alias: string, result: Exclude<RouteResult, { kind: 'streaming' }>) => number;
}

/** One translated request: the OpenAI body to route, and the writer that answers in the client's format. */
export interface Exchange extends AnswerWriter {
  readonly body: Record<string, unknown>;
  /** Runs once the answer is written (a stream: once its relay ended). */
  finished?(): Promise<void>;
}

/** An endpoint in another format (`/v1/responses`, `/v1/messages`): each request is translated on its way in. */
export interface TranslatingFrontEnd extends FrontEndBase {
  open(body: Record<string, unknown>): Promise<Exchange | { invalid: Invalid }>;
  /** An error in the endpoint's own format (refusals before routing). */
  error(reply: FastifyReply, status: number, message: string, fields: { param?: string | null; code?: string | null }): void;
}

export type FrontEnd = OpenAiFrontEnd | TranslatingFrontEnd;

function openAiFrontEnd(endpoint: Endpoint, op: keyof typeof VALIDATORS): OpenAiFrontEnd {
  return {
    endpoint,
    op,
    check: VALIDATORS[op],
    answer: sendResult,
    framing: OPENAI_FRAMING,
  };
}

export const CHAT = openAiFrontEnd('/v1/chat/completions', 'chat');
export const COMPLETIONS = openAiFrontEnd('/v1/completions', 'completions');
export const EMBEDDINGS = openAiFrontEnd('/v1/embeddings', 'embeddings');
