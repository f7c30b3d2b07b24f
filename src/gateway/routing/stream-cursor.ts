import { randomUUID } from 'node:crypto';
import {
  SseDecoder,
  UpstreamNetworkError,
  UpstreamStreamError,
  redactSecrets,
  type CallContext,
  type SseEvent,
  type StreamMapper,
  type UpstreamResponse,
} from '@switchboard/providers';
import type { RouteTarget } from './route-table';

/** One OpenAI chunk as a mapper hands it over: its JSON text (passthrough) or the object. */
export type Chunk = string | Record<string, unknown>;

/** An upstream stream being mapped: what `readPrelude` read, and where the relay picks up. */
export interface StreamCursor {
  readonly mapper: StreamMapper<unknown>;
  state: unknown;
  readonly decoder: SseDecoder;
  readonly rest: AsyncIterator<Uint8Array>;
  /** The upstream said its last word (the mapper's `done`: `[DONE]`, `message_stop`, ...). */
  finished: boolean;
}

/**
 * Opening chunks (a role and empty content) held back before the first real one, at most. They
 * tell the client nothing yet, and holding them keeps failover possible when the upstream's
 * error comes right after its opening (Anthropic's `message_start`, then `overloaded_error`).
 */
const MAX_HELD = 8;

/** An OpenAI-shaped error object where a chunk should be (`data: {"error": {...}}`). */
const ERROR_PAYLOAD = /^\s*\{\s*"error"\s*:/;

/** Starts mapping an upstream stream: one mapper state per answer, one chunk id for all its chunks. */
export function openStream(target: RouteTarget, ctx: CallContext, body: UpstreamResponse['body']): StreamCursor {
  const mapper = target.provider.stream as StreamMapper<unknown>;
  const id = `chatcmpl-${randomUUID().replace(/-/g, '')}`;
  return {
    mapper,
    state: mapper.init({ model: target.model, id, created: ctx.created ?? 0, ...(ctx.includeUsage ? { includeUsage: true } : {}) }),
    decoder: new SseDecoder(),
    rest: body[Symbol.asyncIterator](),
    finished: false,
  };
}

/**
 * Reads until the stream has said something worth the client's first byte (a chunk with content,
 * a tool call, a finish, usage) or its end, and hands back the chunks read, to be written first.
 * Throws on anything that goes wrong before then (an error event, a reset, a cut-off): nothing
 * has reached the client yet, so the router can still fail over.
 */
export async function readPrelude(cursor: StreamCursor): Promise<Chunk[]> {
  const held: Chunk[] = [];
  const hold = (chunk: Chunk) => void held.push(chunk);
  for (;;) {
    const next = await cursor.rest.next();
    mapEvents(cursor, next.done ? cursor.decoder.end() : cursor.decoder.push(next.value), hold);
    if (cursor.finished) return held;
    if (next.done) throw cutOff();
    if (held.length >= MAX_HELD || (held.length > 0 && !isOpening(held[held.length - 1]))) return held;
  }
}

/**
 * Maps one upstream piece's events into `emit`; stops at the mapper's `done` (what follows is
 * not the answer's). An error payload in place of a chunk is thrown, never forwarded: every
 * chunk a client gets has choices or usage.
 */
export function mapEvents(cursor: StreamCursor, events: SseEvent[], emit: (chunk: Chunk) => void): void {
  for (const event of events) {
    const step = cursor.mapper.next(cursor.state, event);
    cursor.state = step.state;
    for (const chunk of step.chunks) {
      if (isErrorPayload(chunk)) throw errorPayload(typeof chunk === 'string' ? (parse(chunk) ?? {}) : chunk);
      emit(chunk);
    }
    if (step.done) {
      cursor.finished = true;
      return;
    }
  }
}

/** The stream ended cleanly but without its end marker: as much a failure as a reset. */
export function cutOff(): UpstreamNetworkError {
  return new UpstreamNetworkError('connection_error', 'the upstream stream ended without its end marker', 'STREAM_CUT_OFF');
}

/** A chunk's JSON as an object (passthrough chunks are text), or undefined when it is not one. */
export function chunkValue(chunk: Chunk): Record<string, unknown> | undefined {
  return typeof chunk === 'string' ? parse(chunk) : chunk;
}

/** The upstream put an OpenAI-shaped error where a chunk belongs: judged like the HTTP answer it stands for. */
function errorPayload(body: Record<string, unknown>): UpstreamStreamError {
  return new UpstreamStreamError(payloadStatus(body), body, `upstream stream error: ${errorText(body)}`);
}

function isErrorPayload(chunk: Chunk): boolean {
  return typeof chunk === 'string' ? ERROR_PAYLOAD.test(chunk) : chunk.error !== undefined && chunk.choices === undefined;
}

/** A chunk that only opens the answer: every choice's delta carries at most a role and empty content. */
function isOpening(chunk: Chunk): boolean {
  const value = chunkValue(chunk);
  if (!value || value.usage != null || !Array.isArray(value.choices) || value.choices.length === 0) return false;
  return value.choices.every((choice: unknown) => {
    if (!isRecord(choice) || choice.finish_reason != null || (typeof choice.text === 'string' && choice.text !== '')) return false;
    return (
      choice.delta == null || (isRecord(choice.delta) && Object.entries(choice.delta).every(([field, v]) => field === 'role' || isEmpty(v)))
    );
  });
}

function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parse(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What HTTP status an OpenAI-shaped stream error stands for, so it is classified like its HTTP
 * twin: a numeric `status`/`code` when the host gives one (OpenRouter does), else by its words.
 */
function payloadStatus(body: Record<string, unknown>): number {
  const error = isRecord(body.error) ? body.error : {};
  for (const value of [error.status, error.code, body.status]) {
    if (typeof value === 'number' && value >= 400 && value < 600) return value;
  }
  const code = typeof error.code === 'string' ? error.code : '';
  const type = typeof error.type === 'string' ? error.type : '';
  if (code === 'rate_limit_exceeded' || type === 'rate_limit_error' || type === 'requests' || type === 'tokens') return 429;
  if (code === 'invalid_api_key' || type === 'authentication_error') return 401;
  if (type === 'invalid_request_error') return 400;
  return 500;
}

function errorText(body: Record<string, unknown>): string {
  const error = body.error;
  const text = typeof error === 'string' ? error : isRecord(error) && typeof error.message === 'string' ? error.message : 'unknown error';
  return redactSecrets(text.slice(0, 200));
}
