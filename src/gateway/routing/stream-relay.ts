import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { SseDecoder, encodeSse, type SseEvent, type StreamMapper } from '@switchboard/providers';
import { reportStreamFailure, type Streaming } from './route-request';
import type { RoutingDeps } from './routing-deps';

export type RelayEnd = 'done' | 'upstream_failed' | 'aborted';

const DONE = 'data: [DONE]\n\n';

/**
 * Pipes a committed upstream stream to the client chunk by chunk: SSE events are decoded as bytes
 * arrive, mapped to OpenAI chunks once and written at once, never collected. An upstream failure
 * after the first byte cannot fail over any more: the client gets an OpenAI error event (which
 * the official SDKs raise as an APIError) and the stream ends without `[DONE]`, so no client
 * mistakes a cut answer for a finished one.
 */
export async function relayStream(
  streaming: Streaming,
  out: Writable,
  deps: RoutingDeps,
  signal: AbortSignal,
  identity: { id: string; created: number },
): Promise<RelayEnd> {
  const mapper = streaming.target.provider.stream as StreamMapper<unknown>;
  const decoder = new SseDecoder();
  let state = mapper.init({ model: streaming.target.model, id: identity.id, created: identity.created });
  const forward = async (events: SseEvent[]): Promise<boolean> => {
    for (const event of events) {
      const step = mapper.next(state, event);
      state = step.state;
      for (const chunk of step.chunks) {
        if (!out.write(frame(chunk))) await once(out, 'drain', { signal });
      }
      if (step.done) return true;
    }
    return false;
  };
  try {
    let finished = await forward(decoder.push(streaming.first));
    while (!finished) {
      const next = await streaming.rest.next();
      if (next.done) break;
      finished = await forward(decoder.push(next.value));
    }
    if (!finished) await forward(decoder.end());
    else await drainRest(streaming.rest).catch(() => undefined);
    out.end(DONE);
    return 'done';
  } catch (error) {
    if (signal.aborted) return 'aborted';
    const attempt = await reportStreamFailure(streaming, error, deps);
    out.end(encodeSse(JSON.stringify(streamError(attempt.reason))));
    return 'upstream_failed';
  }
}

function frame(chunk: string | Record<string, unknown>): string {
  const data = typeof chunk === 'string' ? chunk : JSON.stringify(chunk);
  return data.includes('\n') ? encodeSse(data) : `data: ${data}\n\n`;
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
