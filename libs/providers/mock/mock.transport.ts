import { randomUUID } from 'node:crypto';
import type { SendOptions, Transport, UpstreamRequest, UpstreamResponse } from '../provider';
import type { CancelSignal } from '../http/cancellation';
import { encodeSse, SSE_DONE } from '../http/sse';
import { header } from '../shared';
import {
  chatChunks,
  chatCompletion,
  completion,
  completionChunks,
  embeddings,
  errorBody,
  models,
  requestedError,
  type MockIdentity,
} from './responses';

export interface MockTransportOptions {
  /** Pause between streamed chunks, so a demo's stream visibly streams. */
  chunkDelayMs?: number;
  /** Clock and id source (the only impure parts of the mock). */
  now?: () => number;
  newId?: () => string;
}

/**
 * Keys that make the mock answer as a real upstream does for a dead or exhausted key, so the
 * offline demo can show retirement and quarantine: `mock-revoked…` → 401, `mock-limited…` → 429.
 */
const REVOKED_KEY = /^mock-revoked/;
const LIMITED_KEY = /^mock-limited/;

/** The mock upstream: answers an `UpstreamRequest` in-process, exactly as an OpenAI host would on the wire. */
export class MockTransport implements Transport {
  private readonly chunkDelayMs: number;
  private readonly now: () => number;
  private readonly newId: () => string;

  constructor(options: MockTransportOptions = {}) {
    this.chunkDelayMs = options.chunkDelayMs ?? 0;
    this.now = options.now ?? Date.now;
    this.newId = options.newId ?? (() => randomUUID().replace(/-/g, '').slice(0, 24));
  }

  async send(req: UpstreamRequest, opts: SendOptions): Promise<UpstreamResponse> {
    if (opts.signal?.aborted) throw opts.signal.reason;
    const path = new URL(req.url).pathname;
    const key = (header(req.headers, 'authorization') ?? '').replace(/^Bearer\s+/i, '');
    if (REVOKED_KEY.test(key)) return this.json(401, errorBody(401));
    if (LIMITED_KEY.test(key)) return this.json(429, errorBody(429), { 'retry-after': '30' });

    if (req.method === 'GET' && path.endsWith('/models')) return this.json(200, models(Math.floor(this.now() / 1000)));
    if (req.method !== 'POST') return this.json(404, errorBody(404));

    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(req.body ?? '');
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      body = parsed as Record<string, unknown>;
    } catch {
      return this.json(400, errorBody(400));
    }
    const model = typeof body.model === 'string' ? body.model : 'mock-1';
    const failWith = requestedError(model);
    if (failWith !== undefined) return this.json(failWith, errorBody(failWith), failWith === 429 ? { 'retry-after': '1' } : {});

    const created = Math.floor(this.now() / 1000);
    const stream = body.stream === true;
    if (path.endsWith('/chat/completions')) {
      const ids: MockIdentity = { id: `chatcmpl-mock${this.newId()}`, created, model };
      return stream ? this.sse(chatChunks(body, ids), opts.signal) : this.json(200, chatCompletion(body, ids));
    }
    if (path.endsWith('/completions')) {
      const ids: MockIdentity = { id: `cmpl-mock${this.newId()}`, created, model };
      return stream ? this.sse(completionChunks(body, ids), opts.signal) : this.json(200, completion(body, ids));
    }
    if (path.endsWith('/embeddings')) return this.json(200, embeddings(body, model));
    return this.json(404, errorBody(404));
  }

  private json(status: number, payload: unknown, extra: Record<string, string> = {}): UpstreamResponse {
    const text = JSON.stringify(payload);
    return { status, headers: { 'content-type': 'application/json', ...extra }, body: new MockBody([text], 0) };
  }

  private sse(chunks: unknown[], signal: CancelSignal | undefined): UpstreamResponse {
    const frames = [...chunks.map((c) => encodeSse(JSON.stringify(c))), SSE_DONE];
    return {
      status: 200,
      headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
      body: new MockBody(frames, this.chunkDelayMs, signal),
    };
  }
}

/** A response body that hands over its frames one by one, and stops when the caller aborts. */
class MockBody implements AsyncIterable<Uint8Array> {
  constructor(
    private readonly frames: string[],
    private readonly delayMs: number,
    private readonly signal?: CancelSignal,
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    const encoder = new TextEncoder();
    for (const [i, frame] of this.frames.entries()) {
      if (i > 0 && this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      if (this.signal?.aborted) throw this.signal.reason;
      yield encoder.encode(frame);
    }
  }

  async text(): Promise<string> {
    return this.frames.join('');
  }

  async bytes(): Promise<Uint8Array> {
    return Buffer.from(this.frames.join(''));
  }
}
