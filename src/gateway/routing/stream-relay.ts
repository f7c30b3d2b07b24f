import type { Writable } from 'node:stream';
import { onCancel, encodeSse, SSE_DONE, type CancelSignal } from '@switchboard/providers';
import { settleStreamFailure } from './outcome-consequences';
import type { RequestContext } from './request-context';
import type { Streaming } from './route-result';
import { chunkValue, cutOff, mapEvents, type Chunk } from './stream-cursor';

export type RelayEnd = 'done' | 'upstream_failed' | 'aborted';

/**
 * How a front end says a stream to its clients: each OpenAI chunk as SSE text, the end, and the
 * error event of a stream cut short. A front end that speaks another format (e.g. Anthropic
 * messages) brings its own, made per request when it keeps state between chunks.
 */
export interface StreamFraming {
  chunk(chunk: Chunk): string;
  end(): string;
  interrupted(reason: string): string;
}

/** OpenAI's own stream: `data: <chunk>` events, `data: [DONE]` at the end. */
export const OPENAI_FRAMING: StreamFraming = {
  chunk: frame,
  end: () => SSE_DONE,
  interrupted: (reason) => encodeSse(JSON.stringify(streamError(reason))),
};

/**
 * Pipes a committed upstream stream to the client chunk by chunk: SSE events are decoded as bytes
 * arrive, mapped to OpenAI chunks once and written at once, never collected. An upstream failure
 * after the first byte cannot fail over any more: the client gets an OpenAI error event (which
 * the official SDKs raise as an APIError) and the stream ends without `[DONE]`, so no client
 * mistakes a cut answer for a finished one. A stream that ends without its end marker is such a
 * failure too.
 */
export async function relayStream(request: RequestContext, streaming: Streaming, out: Writable, framing: StreamFraming): Promise<RelayEnd> {
  const { cursor } = streaming;
  const { signal } = request;
  let full = false;
  const write = (chunk: Chunk) => {
    request.lastChunk = chunk;
    if (request.hideUsage && isUsageChunk(chunk)) return;
    if (!out.write(framing.chunk(chunk))) full = true;
  };
  try {
    for (const chunk of streaming.pending) write(chunk);
    while (!cursor.finished) {
      if (full) await drained(out, signal);
      if (signal.aborted) return 'aborted';
      full = false;
      const next = await cursor.rest.next();
      mapEvents(cursor, next.done ? cursor.decoder.end() : cursor.decoder.push(next.value), write);
      if (next.done && !cursor.finished) throw cutOff();
    }
    out.end(framing.end());
    await drainRest(cursor.rest).catch(() => undefined);
    return 'done';
  } catch (error) {
    if (signal.aborted) return 'aborted';
    const attempt = await settleStreamFailure(request, streaming, error);
    out.end(framing.interrupted(attempt.reason));
    return 'upstream_failed';
  }
}

/** Settles when the client has taken what was written, or when it is gone. */
function drained(out: Writable, signal: CancelSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      stopListening();
      out.removeListener('drain', done);
      resolve();
    };
    const stopListening = onCancel(signal, done);
    out.once('drain', done);
  });
}

/**
 * The final usage-only chunk (`choices: []`, `usage: {...}`). Passthrough text is parsed only when
 * it may be one: with `include_usage` every other chunk says `"usage":null`.
 */
function isUsageChunk(chunk: Chunk): boolean {
  if (typeof chunk === 'string' && (!chunk.includes('"usage"') || chunk.includes('"usage":null'))) return false;
  const value = chunkValue(chunk);
  return value !== undefined && value.usage != null && Array.isArray(value.choices) && value.choices.length === 0;
}

function frame(chunk: Chunk): string {
  return encodeSse(typeof chunk === 'string' ? chunk : JSON.stringify(chunk));
}

function streamError(reason: string): Record<string, unknown> {
  return {
    error: {
      message: `The upstream stream was interrupted (${reason}); the answer above is incomplete.`,
      type: 'server_error',
      param: null,
      code: 'upstream_stream_interrupted',
    },
  };
}

/** Lets the upstream finish its body so its keep-alive connection goes back to the pool. */
async function drainRest(rest: AsyncIterator<Uint8Array>): Promise<void> {
  for (let next = await rest.next(); !next.done; next = await rest.next());
}
