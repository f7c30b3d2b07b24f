import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { responses as dialect } from '@switchboard/dialects';
import { InvalidRequestError, type ChatCompletion } from '@switchboard/providers';
import type { ResponseStore } from '@switchboard/response-store';
import { answerJson } from '../routing/answer';
import type { StreamFraming } from '../routing/stream-relay';
import { chunkObject, namedEvents } from './dialect-sse';
import type { Exchange, TranslatingFrontEnd } from './front-ends';
import { routingHeaders, sendError, sendResult } from './respond';
import { RESPONSES_REQUEST_SCHEMA } from './schemas/responses.schema';
import { compileRequestCheck, type Invalid } from './validate';

type Json = Record<string, unknown>;

export const checkResponses = compileRequestCheck(RESPONSES_REQUEST_SCHEMA);

/**
 * `POST /v1/responses`, a front end of the one routing pipeline: the Responses request (with the
 * stored conversation it continues, and the stored items it references) becomes a chat request
 * for the same alias; the chat answer, or each chunk of its stream, becomes a `response` object
 * or the Responses event sequence. What it answered is kept in the response store unless
 * `store: false`, for `previous_response_id`, `item_reference` and `GET /v1/responses/{id}`.
 */
export function responsesFrontEnd(store: ResponseStore, now: () => number = Date.now): TranslatingFrontEnd {
  return {
    endpoint: '/v1/responses',
    op: 'chat',
    check: checkResponses,
    open: (body) => openResponse(store, now, body as dialect.ResponsesRequest),
    error: sendError,
  };
}

async function openResponse(
  store: ResponseStore,
  now: () => number,
  req: dialect.ResponsesRequest,
): Promise<Exchange | { invalid: Invalid }> {
  const at = now();
  let history: dialect.InputItem[] = [];
  if (typeof req.previous_response_id === 'string') {
    const previous = await store.get(req.previous_response_id, at);
    if (!previous) {
      return {
        invalid: {
          param: 'previous_response_id',
          message: `Previous response with id '${req.previous_response_id}' not found (never stored, stored with store: false, or past retention).`,
        },
      };
    }
    history = [...(previous.input as dialect.InputItem[]), ...((previous.response.output as dialect.InputItem[] | undefined) ?? [])];
  }
  const referenced = await referencedItems(store, req, at);
  let chat: Json;
  let conversation: dialect.InputItem[];
  try {
    conversation = dialect.conversationItems(req, history, referenced);
    chat = dialect.toChatRequest(req, conversation);
  } catch (error) {
    if (error instanceof InvalidRequestError) return { invalid: { param: error.param, message: error.message } };
    throw error;
  }
  const skeleton = dialect.responseSkeleton(req, {
    id: dialect.responseId(randomBytes(16).toString('hex')),
    createdAt: Math.floor(at / 1000),
    model: req.model,
  });
  const keep = async (response: dialect.ResponseObject): Promise<void> => {
    if (req.store === false) return;
    await store.put({ id: response.id, createdAtMs: at, response, input: conversation }, now());
  };
  let final: dialect.ResponseObject | undefined;
  return {
    body: chat,
    answer: async (reply: FastifyReply, alias, result) => {
      if (result.kind !== 'served') return sendResult(reply, alias, result);
      const response = dialect.toResponse(answerJson(result) as unknown as ChatCompletion, skeleton);
      await keep(response);
      routingHeaders(reply, result.attempts.length, result.target, result.fingerprint);
      void reply.code(200).header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(response));
      return 200;
    },
    framing: responsesFraming(skeleton, (response) => (final = response)),
    finished: () => (final ? keep(final) : Promise.resolve()),
  };
}

/** The Responses event sequence for one streamed answer: `response.created` leaves with the first chunk. */
function responsesFraming(skeleton: dialect.ResponseObject, settled: (response: dialect.ResponseObject) => void): StreamFraming {
  let state: dialect.ResponsesStreamState | undefined;
  let opening = '';
  const started = (): dialect.ResponsesStreamState => {
    if (!state) {
      const start = dialect.startResponseStream(skeleton);
      opening = namedEvents(start.events);
      state = start.state;
    }
    return state;
  };
  return {
    chunk: (chunk) => {
      const step = dialect.nextResponseEvents(started(), chunkObject(chunk));
      state = step.state;
      const text = opening + namedEvents(step.events);
      opening = '';
      return text;
    },
    end: () => {
      const last = dialect.finishResponseStream(started());
      settled(last.response);
      const text = opening + namedEvents(last.events);
      opening = '';
      return text;
    },
    interrupted: (reason) => {
      const failed = dialect.failResponseStream(started(), {
        code: 'server_error',
        message: `The upstream stream was interrupted (${reason}); the answer is incomplete.`,
      });
      settled(failed.response);
      const text = opening + namedEvents(failed.events);
      opening = '';
      return text;
    },
  };
}

/** Each referenced item, read from the response its id names (one read per response). */
async function referencedItems(store: ResponseStore, req: dialect.ResponsesRequest, at: number): Promise<Map<string, dialect.InputItem>> {
  const found = new Map<string, dialect.InputItem>();
  const byResponse = new Map<string, Array<{ id: string; index: number }>>();
  for (const id of dialect.referencedItemIds(req)) {
    const place = dialect.parseOutputItemId(id);
    if (!place) continue;
    byResponse.set(place.responseId, [...(byResponse.get(place.responseId) ?? []), { id, index: place.outputIndex }]);
  }
  for (const [responseId, wanted] of byResponse) {
    const stored = await store.get(responseId, at);
    const output = stored?.response.output as dialect.InputItem[] | undefined;
    for (const { id, index } of wanted) if (output?.[index]) found.set(id, output[index]);
  }
  return found;
}

/** `GET /v1/responses/{id}`: the stored response as it was answered. */
export async function storedResponse(store: ResponseStore, id: string, now: number): Promise<Json | undefined> {
  return (await store.get(id, now))?.response;
}
