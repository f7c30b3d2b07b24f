import { Pool, type Dispatcher } from 'undici';
import type { SendOptions, Transport, UpstreamRequest, UpstreamResponse } from '../provider';
import { isEventStream } from '../shared/headers';
import { onCancel, type CancelSignal } from './cancellation';
import { UpstreamNetworkError } from './upstream-network-error';

export interface UndiciTransportOptions {
  /**
   * Sockets per upstream origin; calls beyond it queue in the pool. Unset: one per call in flight,
   * none queued (the gateway's default, see `UndiciTransport`).
   */
  connections?: number;
  /** How long an idle keep-alive socket is kept open. */
  keepAliveTimeoutMs?: number;
}

type Body = UpstreamResponse['body'];

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/** The `causeCode` of a call that overran its total deadline (not an undici code: the deadline is ours). */
const DEADLINE_CODE = 'DEADLINE_EXCEEDED';

/**
 * The one place the gateway talks HTTP to upstreams: one keep-alive `undici.Pool` per origin (and
 * connect timeout, a pool-level setting), no pipelining so one slow stream never blocks another.
 * By default the pool opens as many sockets as there are calls in flight: a call queued behind
 * long streams would spend its deadline waiting for a socket of ours, time out, and be blamed on a
 * healthy key and provider. Idle sockets close after the keep-alive timeout.
 * `timeoutMs` is the whole call's deadline, headers and body, so an upstream trickling its JSON a
 * byte at a time is still cut off; except for an event stream, where it bounds the wait for the
 * headers and every gap between chunks, so a long stream that keeps talking is never cut. The
 * caller's `signal` can end any call. Network failures come out as `UpstreamNetworkError`; a
 * caller's abort comes out as the signal's reason, untouched, because the key is not to blame.
 */
export class UndiciTransport implements Transport {
  private readonly pools = new Map<string, Pool>();
  private readonly destinations = new Map<string, Destination>();
  private readonly connections: number | null;
  private readonly keepAliveTimeoutMs: number;

  constructor(options: UndiciTransportOptions = {}) {
    this.connections = options.connections ?? null;
    this.keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? 30_000;
  }

  send(req: UpstreamRequest, opts: SendOptions): Promise<UpstreamResponse> {
    let to: Destination;
    try {
      to = this.destination(req.url, opts.connectTimeoutMs);
    } catch (error) {
      return Promise.reject(error as Error); // a URL that does not parse: a rejection like any failed call, never a throw
    }
    const call = new UpstreamCall(opts.signal, opts.timeoutMs, to.origin);
    if (call.settled) return call.response;
    to.pool.dispatch(
      {
        method: req.method,
        path: to.path,
        headers: req.headers,
        body: req.body,
        headersTimeout: opts.timeoutMs,
        bodyTimeout: opts.timeoutMs,
      },
      call,
    );
    return call.response;
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    this.destinations.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }

  /** Upstream URLs come from the config (profile, model, operation): each is parsed once, not per call. */
  private destination(url: string, connectTimeoutMs: number): Destination {
    let to = this.destinations.get(url);
    if (to?.connectTimeoutMs !== connectTimeoutMs) {
      const parsed = new URL(url);
      if (this.destinations.size >= MAX_DESTINATIONS) this.destinations.clear();
      to = {
        origin: parsed.origin,
        path: `${parsed.pathname}${parsed.search}`,
        connectTimeoutMs,
        pool: this.poolFor(parsed.origin, connectTimeoutMs),
      };
      this.destinations.set(url, to);
    }
    return to;
  }

  private poolFor(origin: string, connectTimeoutMs: number): Pool {
    const id = `${origin} ${connectTimeoutMs}`;
    let pool = this.pools.get(id);
    if (!pool) {
      pool = new Pool(origin, {
        connections: this.connections,
        pipelining: 1,
        keepAliveTimeout: this.keepAliveTimeoutMs,
        connect: { timeout: connectTimeoutMs },
      });
      this.pools.set(id, pool);
    }
    return pool;
  }
}

interface Destination {
  origin: string;
  path: string;
  connectTimeoutMs: number;
  pool: Pool;
}

/** A bound on remembered URLs, for a config that names very many models. */
const MAX_DESTINATIONS = 1024;

/** Bytes a consumer that reads chunk by chunk may leave unread before the upstream is paused. */
const HIGH_WATER_BYTES = 64 * 1024;

/**
 * One upstream call, as undici's dispatch handler: it hands back status and headers, then the body,
 * as whole bytes or chunk by chunk (paused while a slow reader leaves 64 KB unread). No Readable,
 * no AbortController: this runs for every request, and those two are most of what `request()`
 * costs beyond the socket. The call's cancellation is the caller's signal plus the total deadline's
 * timer, stopped as soon as the body is read (or when the answer turns out to be a stream), so no
 * timer outlives its call.
 */
class UpstreamCall implements Dispatcher.DispatchHandler {
  readonly response: Promise<UpstreamResponse>;
  /** The answer or the failure is known: `response` is settled. */
  settled = false;
  private resolveResponse!: (res: UpstreamResponse) => void;
  private rejectResponse!: (error: unknown) => void;
  private controller?: Dispatcher.DispatchController;
  private readonly timer?: NodeJS.Timeout;
  private expired = false;
  private readonly stopListening: () => void = noop;
  private readonly chunks: Buffer[] = [];
  private unread = 0;
  private ended = false;
  private failure: unknown = undefined;
  private failed = false;
  /** What a reader waits on: the next chunk, the end, or the failure. */
  private wake?: () => void;
  /** `bytes()` or `text()` claimed the body: it is read whole, never paused. */
  private readWhole = false;

  constructor(
    private readonly caller: CancelSignal | undefined,
    private readonly timeoutMs: number,
    private readonly origin: string,
  ) {
    this.response = new Promise((resolve, reject) => {
      this.resolveResponse = resolve;
      this.rejectResponse = reject;
    });
    if (caller?.aborted) {
      this.fail(caller.reason);
      return;
    }
    if (caller) this.stopListening = onCancel(caller, () => this.abort(caller.reason));
    this.timer = setTimeout(() => {
      this.expired = true;
      this.abort(new Error('deadline'));
    }, timeoutMs);
    this.timer.unref();
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.failed) controller.abort(this.failure as Error);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, status: number, headers: Record<string, string | string[]>): void {
    if (status < 200) return; // 1xx: the answer is still to come
    // A stream may talk for as long as it keeps talking: from here only the gaps are bounded.
    if (isEventStream(headers['content-type'])) clearTimeout(this.timer);
    this.settled = true;
    this.resolveResponse({ status, headers, body: this.body() });
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk);
    this.unread += chunk.length;
    if (!this.readWhole && this.unread > HIGH_WATER_BYTES) controller.pause();
    this.notify();
  }

  onResponseEnd(): void {
    this.ended = true;
    this.dispose();
    this.notify();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.fail(error);
  }

  private abort(reason: unknown): void {
    if (this.controller) this.controller.abort(reason as Error);
    else this.fail(reason);
  }

  /** Before the headers, `send` rejects; after them, the body's next read does. */
  private fail(error: unknown): void {
    if (this.failed || this.ended) return;
    this.failed = true;
    this.failure = this.translate(error);
    this.dispose();
    if (!this.settled) {
      this.settled = true;
      this.rejectResponse(this.failure);
    }
    this.notify();
  }

  /** The call is over: nothing of it may keep the caller's signal or a timer busy. */
  private dispose(): void {
    clearTimeout(this.timer);
    this.stopListening();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private until(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }

  /** @internal AnswerBody's */
  async readAll(): Promise<Buffer> {
    this.readWhole = true;
    this.controller?.resume();
    while (!this.ended && !this.failed) await this.until();
    if (this.failed) throw this.failure;
    return this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.unread);
  }

  private body(): Body {
    return new AnswerBody(this);
  }

  /** @internal AnswerBody's */
  async *pieces(): AsyncGenerator<Uint8Array> {
    try {
      for (;;) {
        const chunk = this.chunks.shift();
        if (chunk) {
          this.unread -= chunk.length;
          if (this.unread <= HIGH_WATER_BYTES) this.controller?.resume();
          yield chunk;
          continue;
        }
        if (this.failed) throw this.failure;
        if (this.ended) return;
        await this.until();
      }
    } finally {
      // A reader that stopped early: the rest of the answer is not wanted.
      if (!this.ended && !this.failed) this.abort(new Error('the reader stopped before the answer ended'));
    }
  }

  private translate(error: unknown): unknown {
    if (this.caller?.aborted) return this.caller.reason ?? error;
    if (this.expired)
      return new UpstreamNetworkError('timeout', `${this.origin} did not answer within ${this.timeoutMs} ms`, DEADLINE_CODE);
    return translate(error, this.origin);
  }
}

/** What the caller reads an answer's body through: whole, or chunk by chunk. */
class AnswerBody implements Body {
  constructor(private readonly call: UpstreamCall) {}

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this.call.pieces();
  }

  bytes(): Promise<Uint8Array> {
    return this.call.readAll();
  }

  async text(): Promise<string> {
    return (await this.call.readAll()).toString('utf8');
  }
}

const noop = () => undefined;

function translate(error: unknown, origin: string): unknown {
  const code = errorCode(error);
  if (code && TIMEOUT_CODES.has(code)) {
    return new UpstreamNetworkError('timeout', `${origin} timed out (${code})`, code);
  }
  if (code === 'UND_ERR_INVALID_ARG') return error;
  return new UpstreamNetworkError('connection_error', `${origin} connection failed (${code ?? 'unknown'})`, code);
}

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && typeof current === 'object' && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
