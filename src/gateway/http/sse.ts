import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import { encodeSse, SSE_DONE } from '@switchboard/providers';

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  // Proxies such as nginx must not buffer a stream.
  'x-accel-buffering': 'no',
};

/**
 * Takes the response over from Fastify and opens an event stream. Headers set on `reply` before
 * the call are carried over (hijacking bypasses Fastify's own header writing). They are sent at
 * once unless `firstEventFollows`: then they leave with the first event, in one write.
 */
export function startSse(reply: FastifyReply, opts: { firstEventFollows?: boolean } = {}): ServerResponse {
  const carried = reply.getHeaders();
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, { ...carried, ...SSE_HEADERS } as Record<string, string>);
  if (!opts.firstEventFollows) raw.flushHeaders();
  return raw;
}

/** Writes one event (objects as JSON); returns false when the socket buffer is full (wait for 'drain'). */
export function writeSseEvent(raw: ServerResponse, data: unknown, event?: string): boolean {
  if (raw.writableEnded || raw.destroyed) return false;
  return raw.write(encodeSse(typeof data === 'string' ? data : JSON.stringify(data), event));
}

/** Ends an OpenAI-style stream: `data: [DONE]` then close (skip `[DONE]` for non-OpenAI streams). */
export function endSse(raw: ServerResponse, opts: { done?: boolean } = {}): void {
  if (raw.writableEnded || raw.destroyed) return;
  if (opts.done ?? true) raw.write(SSE_DONE);
  raw.end();
}
