import type { FastifyReply } from 'fastify';
import type { Operation } from '@switchboard/providers';
import type { Endpoint } from '../routing/request-record';
import type { RouteResult } from '../routing/route-result';
import { OPENAI_FRAMING, type StreamFraming } from '../routing/stream-relay';
import { sendResult } from './respond';
import { VALIDATORS, type Invalid } from './validate';

/**
 * A /v1 endpoint as a front end of the one routing pipeline: translate in (check the body, and
 * for a non-OpenAI format map it to the operation's OpenAI body), route, translate out (the
 * result, or the stream's chunks, in the endpoint's own format). `V1Controller.serve` runs every
 * front end the same way; a new endpoint (`/v1/responses`, `/v1/messages`) is one more entry.
 */
export interface FrontEnd {
  readonly endpoint: Endpoint;
  /** What the upstream is asked for. */
  readonly op: Exclude<Operation, 'models'>;
  /** Translate in: what is wrong with the body, named by the field a client must fix. */
  check(body: unknown): Invalid | undefined;
  /** Translate out: writes a result that is not a stream; returns the status sent. */
  answer(reply: FastifyReply, alias: string, result: Exclude<RouteResult, { kind: 'streaming' }>): number;
  /** Translate out, streaming. */
  readonly framing: StreamFraming;
}

function openAiFrontEnd(endpoint: Endpoint, op: FrontEnd['op']): FrontEnd {
  return {
    endpoint,
    op,
    check: VALIDATORS[op],
    answer: (reply, alias, result) => sendResult(reply, op, alias, result),
    framing: OPENAI_FRAMING,
  };
}

export const CHAT = openAiFrontEnd('/v1/chat/completions', 'chat');
export const COMPLETIONS = openAiFrontEnd('/v1/completions', 'completions');
export const EMBEDDINGS = openAiFrontEnd('/v1/embeddings', 'embeddings');
