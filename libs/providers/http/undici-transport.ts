import { Pool, type Dispatcher } from 'undici';
import type { SendOptions, Transport, UpstreamRequest, UpstreamResponse } from '../provider';
import { Cancellation, onCancel, type CancelSignal } from './cancellation';
import { UpstreamNetworkError } from './upstream-network-error';

export interface UndiciTransportOptions {
  /** Sockets per upstream origin; requests beyond it queue in the pool. */
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
 * `timeoutMs` is the whole call's deadline, headers and body, so an upstream trickling its JSON a
 * byte at a time is still cut off; except for an event stream, where it bounds the wait for the
 * headers and every gap between chunks, so a long stream that keeps talking is never cut. The
 * caller's `signal` can end any call. Network failures come out as `UpstreamNetworkError`; a
 * caller's abort comes out as the signal's reason, untouched, because the key is not to blame.
 */
export class UndiciTransport implements Transport {
  private readonly pools = new Map<string, Pool>();
  private readonly connections: number;
  private readonly keepAliveTimeoutMs: number;

  constructor(options: UndiciTransportOptions = {}) {
    this.connections = options.connections ?? 128;
    this.keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? 30_000;
  }

  async send(req: UpstreamRequest, opts: SendOptions): Promise<UpstreamResponse> {
    const url = new URL(req.url);
    const pool = this.poolFor(url.origin, opts.connectTimeoutMs);
    const call = new Deadline(opts.signal, opts.timeoutMs, url.origin);
    try {
      const res = await pool.request({
        method: req.method,
        path: `${url.pathname}${url.search}`,
        headers: req.headers,
        body: req.body,
        signal: call.signal,
        headersTimeout: opts.timeoutMs,
        bodyTimeout: opts.timeoutMs,
      });
      // A stream may talk for as long as it keeps talking: from here only the gaps are bounded.
      if (isEventStream(res.headers['content-type'])) call.stopTimer();
      return { status: res.statusCode, headers: res.headers as UpstreamResponse['headers'], body: guardBody(res.body, call) };
    } catch (error) {
      call.dispose();
      throw call.translate(error);
    }
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
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

/**
 * One call's cancellation: the caller's, plus the total deadline's own timer, stopped as soon as
 * the body is read (or when the answer turns out to be a stream), so no timer outlives its call.
 * A `Cancellation`, not an AbortController: it is made for every upstream call.
 */
class Deadline {
  readonly signal = new Cancellation();
  private readonly timer: NodeJS.Timeout;
  private expired = false;
  private readonly stopListening: () => void;

  constructor(
    private readonly caller: CancelSignal | undefined,
    private readonly timeoutMs: number,
    private readonly origin: string,
  ) {
    if (caller?.aborted) this.signal.abort(caller.reason);
    this.stopListening = caller && !caller.aborted ? onCancel(caller, () => this.signal.abort(caller.reason)) : noop;
    this.timer = setTimeout(() => {
      this.expired = true;
      this.signal.abort(new Error('deadline'));
    }, timeoutMs);
    this.timer.unref();
  }

  stopTimer(): void {
    clearTimeout(this.timer);
  }

  /** The call is over: nothing of it may keep the caller's signal or a timer busy. */
  dispose(): void {
    clearTimeout(this.timer);
    this.stopListening();
  }

  translate(error: unknown): unknown {
    if (this.caller?.aborted) return this.caller.reason ?? error;
    if (this.expired)
      return new UpstreamNetworkError('timeout', `${this.origin} did not answer within ${this.timeoutMs} ms`, DEADLINE_CODE);
    return translate(error, this.origin);
  }
}

const noop = () => undefined;

/** Errors while reading the body (a reset mid-stream, a stalled stream, the deadline) get the same translation. */
function guardBody(body: Dispatcher.ResponseData['body'], call: Deadline): Body {
  const settle = async <T>(read: () => Promise<T>): Promise<T> => {
    try {
      return await read();
    } catch (error) {
      throw call.translate(error);
    } finally {
      call.dispose();
    }
  };
  return {
    async *[Symbol.asyncIterator]() {
      try {
        for await (const piece of body) yield piece as Uint8Array;
      } catch (error) {
        throw call.translate(error);
      } finally {
        call.dispose();
      }
    },
    text: () => settle(() => body.text()),
    bytes: () => settle(() => body.bytes()),
  };
}

function isEventStream(type: string | string[] | undefined): boolean {
  const value = Array.isArray(type) ? type[0] : type;
  return value?.trimStart().toLowerCase().startsWith('text/event-stream') ?? false;
}

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
