import { Pool } from 'undici';
import type { SendOptions, Transport, UpstreamRequest, UpstreamResponse } from '../provider';
import { UpstreamNetworkError } from './upstream-network-error';

export interface UndiciTransportOptions {
  /** Sockets per upstream origin; requests beyond it queue in the pool. */
  connections?: number;
  /** How long an idle keep-alive socket is kept open. */
  keepAliveTimeoutMs?: number;
}

type Body = UpstreamResponse['body'];

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/**
 * The one place the gateway talks HTTP to upstreams: one keep-alive `undici.Pool` per origin (and
 * connect timeout, a pool-level setting), no pipelining so one slow stream never blocks another.
 * `timeoutMs` bounds the wait for the response headers and every gap between body chunks, so a
 * long stream that keeps talking is never cut; the caller's `signal` bounds the whole call.
 * Network failures come out as `UpstreamNetworkError`; a caller's abort comes out as the signal's
 * reason, untouched, because the key is not to blame for it.
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
    try {
      const res = await pool.request({
        method: req.method,
        path: `${url.pathname}${url.search}`,
        headers: req.headers,
        body: req.body,
        signal: opts.signal,
        headersTimeout: opts.timeoutMs,
        bodyTimeout: opts.timeoutMs,
      });
      return {
        status: res.statusCode,
        headers: res.headers as UpstreamResponse['headers'],
        body: guardBody(res.body, url.origin, opts.signal),
      };
    } catch (error) {
      throw translate(error, url.origin, opts.signal);
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

/** Errors while reading the body (a reset mid-stream, a stalled stream) get the same translation. */
function guardBody(body: Body, origin: string, signal: AbortSignal | undefined): Body {
  return {
    async *[Symbol.asyncIterator]() {
      try {
        for await (const piece of body) yield piece as Uint8Array;
      } catch (error) {
        throw translate(error, origin, signal);
      }
    },
    async text() {
      try {
        return await body.text();
      } catch (error) {
        throw translate(error, origin, signal);
      }
    },
  };
}

function translate(error: unknown, origin: string, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return signal.reason ?? error;
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
