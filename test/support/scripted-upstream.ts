import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP server on 127.0.0.1 (random port) playing an OpenAI-compatible provider, scripted
 * PER KEY and PER CALL, that records every request. Use it wherever a test needs an upstream that
 * misbehaves on cue: the gateway's routing e2e, ReAct sessions, provider adapters.
 *
 * ```ts
 * const upstream = await startScriptedUpstream();
 * upstream.script('sk-a', reply.status(500), reply.rateLimited(30)); // 1st call 500, 2nd 429
 * upstream.always('sk-b', reply.chat('hello'));                      // every call after the queue
 * // point a provider profile at `upstream.baseUrl` (…/v1) with keys sk-a, sk-b
 * upstream.requests[0].headers.authorization; upstream.callsFor('sk-a').length;
 * await upstream.close();
 * ```
 * Without a script a call gets `reply.auto()`: a plausible answer for its path (chat JSON, or SSE
 * when `stream: true`; completions; embeddings; models).
 */
export interface ScriptedUpstream {
  /** Root URL, `http://127.0.0.1:<port>`. */
  url: string;
  /** `url + '/v1'`: what an `openai` profile's `base_url` takes. */
  baseUrl: string;
  /** Every request received, in arrival order. */
  requests: RecordedRequest[];
  /** Queues behaviours for a key's next calls, one per call, in order. */
  script(key: string, ...behaviours: Behaviour[]): void;
  /** What a key gets once its queue is empty (default: the fallback). */
  always(key: string, behaviour: Behaviour): void;
  /** What any key without its own script gets (default: `reply.auto()`). */
  fallback(behaviour: Behaviour): void;
  callsFor(key: string): RecordedRequest[];
  /** Resolves once `count` requests have arrived (rejects after `timeoutMs`). */
  waitForRequests(count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  /** Resolves when the client closes the connection of this request before its answer ended. */
  waitForClientClose(request: RecordedRequest, timeoutMs?: number): Promise<void>;
  /** Forgets scripts and recorded requests. */
  clear(): void;
  close(): Promise<void>;
}

export interface RecordedRequest {
  /** The key the caller presented (Bearer, `api-key`, `x-api-key`, `x-goog-api-key` or `?key=`); '' if none. */
  key: string;
  method: string;
  /** Path with query string, e.g. `/v1/chat/completions`. */
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON when the body was JSON, else the text ('' when empty). */
  body: unknown;
  /** True once the client closed the connection before the answer was complete. */
  closedByClient: boolean;
  /** `performance.now()` when the request's body had arrived: what a test orders calls and answers by. */
  receivedAt: number;
}

export type Behaviour =
  /** Answers `status` with a JSON (or text when `body` is a string) body. */
  | { kind: 'json'; status: number; body: unknown; headers?: Record<string, string>; delayMs?: number }
  /** Answers 200 `text/event-stream`; strings are sent as raw `data:` payloads, objects as JSON. */
  | { kind: 'sse'; events: Array<string | object>; done: boolean; intervalMs?: number; headers?: Record<string, string> }
  /** Sends the first `after` events of an SSE stream, then destroys the socket mid-stream. */
  | { kind: 'drop'; events: Array<string | object>; after: number; intervalMs?: number }
  /** Answers 200 JSON, but a few bytes at a time: every gap is short, the whole answer is slow. */
  | { kind: 'trickle'; body: unknown; pieces: number; intervalMs: number }
  /** Reads the request and never answers (until the client gives up). */
  | { kind: 'hang' }
  /** Destroys the socket without a byte of answer (a connection reset). */
  | { kind: 'reset' }
  /** A plausible OpenAI answer for the request's path and body. */
  | { kind: 'auto'; content?: string }
  /** Decides per request. */
  | { kind: 'fn'; decide: (request: RecordedRequest) => Behaviour }
  /** Holds the answer until `release` settles, then behaves as `then`: a call in flight for exactly as long as the test wants. */
  | { kind: 'held'; release: Promise<unknown>; then: Behaviour };

/** Behaviour builders. */
export const reply = {
  auto: (content?: string): Behaviour => ({ kind: 'auto', ...(content === undefined ? {} : { content }) }),
  /** A chat completion (or its stream, when the request asked for one) answering `content`. */
  chat: (content: string): Behaviour => ({ kind: 'auto', content }),
  json: (body: unknown, status = 200, headers?: Record<string, string>): Behaviour => ({ kind: 'json', status, body, headers }),
  status: (status: number, message = `scripted ${status}`, headers?: Record<string, string>): Behaviour => ({
    kind: 'json',
    status,
    body: { error: { message, type: status >= 500 ? 'server_error' : 'invalid_request_error', param: null, code: null } },
    headers,
  }),
  unauthorized: (): Behaviour => ({
    kind: 'json',
    status: 401,
    body: { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } },
  }),
  /** 429 with `Retry-After: <seconds>` (omitted when undefined). */
  rateLimited: (retryAfterSeconds?: number): Behaviour => ({
    kind: 'json',
    status: 429,
    body: { error: { message: 'Rate limit reached.', type: 'requests', param: null, code: 'rate_limit_exceeded' } },
    headers: retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) },
  }),
  serverError: (status = 500): Behaviour => reply.status(status),
  /** Answers after `delayMs` (a slow upstream; past the profile's timeout it is a timeout). */
  slow: (delayMs: number, content = 'slow answer'): Behaviour => ({
    kind: 'json',
    status: 200,
    body: chatCompletion('scripted', content),
    delayMs,
  }),
  hang: (): Behaviour => ({ kind: 'hang' }),
  reset: (): Behaviour => ({ kind: 'reset' }),
  /** A chat stream of these content pieces, as OpenAI sends it (role, contents, finish, `[DONE]`). */
  stream: (pieces: string[], opts: { intervalMs?: number; model?: string; usage?: Record<string, number> } = {}): Behaviour => ({
    kind: 'sse',
    events: [
      ...chatChunks(pieces, opts.model ?? 'scripted'),
      ...(opts.usage ? [usageChunk(opts.usage, opts.model ?? 'scripted')] : []),
      '[DONE]',
    ],
    done: false,
    intervalMs: opts.intervalMs,
  }),
  sse: (events: Array<string | object>, opts: { intervalMs?: number } = {}): Behaviour => ({ kind: 'sse', events, done: false, ...opts }),
  /** A chat stream that sends `after` chunks of `pieces` and then loses its connection. */
  dropAfter: (after: number, pieces = ['one ', 'two ', 'three ', 'four'], opts: { intervalMs?: number } = {}): Behaviour => ({
    kind: 'drop',
    events: chatChunks(pieces, 'scripted'),
    after,
    intervalMs: opts.intervalMs ?? 20,
  }),
  /** A chat completion answering `content`, its JSON sent in `pieces` parts `intervalMs` apart. */
  trickle: (content: string, opts: { pieces?: number; intervalMs?: number } = {}): Behaviour => ({
    kind: 'trickle',
    body: chatCompletion('scripted', content),
    pieces: opts.pieces ?? 10,
    intervalMs: opts.intervalMs ?? 100,
  }),
  fn: (decide: (request: RecordedRequest) => Behaviour): Behaviour => ({ kind: 'fn', decide }),
  held: (release: Promise<unknown>, then: Behaviour): Behaviour => ({ kind: 'held', release, then }),
};

export async function startScriptedUpstream(): Promise<ScriptedUpstream> {
  const queues = new Map<string, Behaviour[]>();
  const defaults = new Map<string, Behaviour>();
  let fallback: Behaviour = reply.auto();
  const requests: RecordedRequest[] = [];
  const arrivals: Array<() => void> = [];
  const closeWaiters = new Map<RecordedRequest, Array<() => void>>();

  const next = (key: string): Behaviour => queues.get(key)?.shift() ?? defaults.get(key) ?? fallback;

  const server: Server = createServer((req, res) => {
    const pieces: Buffer[] = [];
    req.on('data', (piece: Buffer) => pieces.push(piece));
    req.on('end', () => {
      const recorded = record(req, Buffer.concat(pieces).toString('utf8'));
      requests.push(recorded);
      res.on('close', () => {
        if (res.writableFinished) return;
        recorded.closedByClient = true;
        for (const wake of closeWaiters.get(recorded) ?? []) wake();
      });
      for (const wake of arrivals.splice(0)) wake();
      void play(next(recorded.key), recorded, req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    baseUrl: `${url}/v1`,
    requests,
    script: (key, ...behaviours) => queues.set(key, [...(queues.get(key) ?? []), ...behaviours]),
    always: (key, behaviour) => defaults.set(key, behaviour),
    fallback: (behaviour) => {
      fallback = behaviour;
    },
    callsFor: (key) => requests.filter((r) => r.key === key),
    waitForRequests: (count, timeoutMs = 10_000) =>
      waitUntil(() => requests.length >= count, arrivals, timeoutMs, `${count} upstream requests`).then(() => requests.slice(0, count)),
    waitForClientClose: (request, timeoutMs = 10_000) => {
      const waiters = closeWaiters.get(request) ?? [];
      closeWaiters.set(request, waiters);
      return waitUntil(() => request.closedByClient, waiters, timeoutMs, 'the client to close the upstream request');
    },
    clear: () => {
      queues.clear();
      defaults.clear();
      fallback = reply.auto();
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function waitUntil(ready: () => boolean, waiters: Array<() => void>, timeoutMs: number, what: string): Promise<void> {
  if (ready()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
    const check = () => {
      if (!ready()) return void waiters.push(check);
      clearTimeout(timer);
      resolve();
    };
    waiters.push(check);
  });
}

function record(req: IncomingMessage, text: string): RecordedRequest {
  let body: unknown = text;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return {
    key: presentedKey(req),
    method: req.method ?? 'GET',
    path: req.url ?? '/',
    headers: req.headers,
    body,
    closedByClient: false,
    receivedAt: performance.now(),
  };
}

function presentedKey(req: IncomingMessage): string {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice('Bearer '.length);
  for (const name of ['api-key', 'x-api-key', 'x-goog-api-key']) {
    const value = req.headers[name];
    if (typeof value === 'string') return value;
  }
  return new URL(req.url ?? '/', 'http://upstream').searchParams.get('key') ?? '';
}

async function play(behaviour: Behaviour, request: RecordedRequest, req: IncomingMessage, res: ServerResponse): Promise<void> {
  switch (behaviour.kind) {
    case 'fn':
      return play(behaviour.decide(request), request, req, res);
    case 'auto':
      return play(autoAnswer(request, behaviour.content), request, req, res);
    case 'hang':
      return;
    case 'held':
      await behaviour.release;
      return play(behaviour.then, request, req, res);
    case 'reset':
      req.socket.destroy();
      return;
    case 'json': {
      if (behaviour.delayMs) await delay(behaviour.delayMs);
      if (res.destroyed) return;
      const text = typeof behaviour.body === 'string' ? behaviour.body : JSON.stringify(behaviour.body);
      const type = typeof behaviour.body === 'string' ? 'text/plain' : 'application/json';
      res.writeHead(behaviour.status, { 'content-type': type, ...behaviour.headers });
      res.end(text);
      return;
    }
    case 'trickle': {
      const text = JSON.stringify(behaviour.body);
      const size = Math.ceil(text.length / behaviour.pieces);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
      for (let at = 0; at < text.length; at += size) {
        if (res.destroyed) return;
        res.write(text.slice(at, at + size));
        await delay(behaviour.intervalMs);
      }
      res.end();
      return;
    }
    case 'sse':
    case 'drop': {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        ...(behaviour.kind === 'sse' ? behaviour.headers : {}),
      });
      const events = behaviour.kind === 'drop' ? behaviour.events.slice(0, behaviour.after) : behaviour.events;
      for (const event of events) {
        if (res.destroyed) return;
        res.write(`data: ${typeof event === 'string' ? event : JSON.stringify(event)}\n\n`);
        if (behaviour.intervalMs) await delay(behaviour.intervalMs);
      }
      if (behaviour.kind === 'drop') {
        await delay(behaviour.intervalMs ?? 20);
        req.socket.destroy();
        return;
      }
      if (behaviour.done) res.write('data: [DONE]\n\n');
      res.end();
      return;
    }
  }
}

function autoAnswer(request: RecordedRequest, content?: string): Behaviour {
  const body = (request.body && typeof request.body === 'object' ? request.body : {}) as Record<string, unknown>;
  const model = typeof body.model === 'string' ? body.model : 'scripted';
  const path = request.path.split('?')[0];
  if (path.endsWith('/models')) {
    return reply.json({ object: 'list', data: [{ id: 'scripted-model', object: 'model', created: 1700000000, owned_by: 'scripted' }] });
  }
  if (path.endsWith('/embeddings')) {
    const inputs = Array.isArray(body.input) ? body.input : [body.input];
    // Like OpenAI: `encoding_format: 'base64'` (what the official SDK asks for by default) gets the
    // little-endian float32 bytes in base64, anything else plain floats.
    const encode = (vector: number[]) =>
      body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
    return reply.json({
      object: 'list',
      data: inputs.map((_, index) => ({ object: 'embedding', index, embedding: encode([0.1 * (index + 1), 0.2, 0.3]) })),
      model,
      usage: { prompt_tokens: inputs.length, total_tokens: inputs.length },
    });
  }
  const text = content ?? `scripted answer from ${model}`;
  if (path.endsWith('/completions') && !path.endsWith('/chat/completions')) {
    return reply.json({
      id: 'cmpl-scripted',
      object: 'text_completion',
      created: 1700000000,
      model,
      choices: [{ index: 0, text, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    });
  }
  if (body.stream === true) {
    // Like OpenAI: the closing usage-only chunk only when `stream_options.include_usage` asks for it.
    const pieces = text.split(/(?<= )/);
    const asked = (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
    const usage = { prompt_tokens: 3, completion_tokens: pieces.length, total_tokens: 3 + pieces.length };
    return reply.stream(pieces, { model, ...(asked ? { usage } : {}) });
  }
  return reply.json(chatCompletion(model, text));
}

export function chatCompletion(model: string, content: string): Record<string, unknown> {
  return {
    id: 'chatcmpl-scripted',
    object: 'chat.completion',
    created: 1700000000,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', logprobs: null }],
    usage: { prompt_tokens: 3, completion_tokens: content.split(' ').length, total_tokens: 3 + content.split(' ').length },
  };
}

/** The chunks OpenAI streams for `pieces`: a role chunk, one chunk per piece, a finish chunk. */
export function chatChunks(pieces: string[], model: string): object[] {
  const base = { id: 'chatcmpl-scripted', object: 'chat.completion.chunk', created: 1700000000, model };
  return [
    { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
    ...pieces.map((piece) => ({ ...base, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] })),
    { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
  ];
}

/** OpenAI's closing chunk of a stream asked for its usage: no choices, only the counts. */
export function usageChunk(usage: Record<string, number>, model: string): object {
  return { id: 'chatcmpl-scripted', object: 'chat.completion.chunk', created: 1700000000, model, choices: [], usage };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
