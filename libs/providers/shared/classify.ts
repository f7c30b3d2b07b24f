import type { Outcome } from '../provider';
import type { HeaderBag } from './headers';
import { retryAfterMs } from './retry-after';

/** Provider-specific knowledge the common HTTP rules cannot see in the status code alone. */
export interface ClassifyHints {
  /** True when a (non-2xx) body says the key itself is invalid, whatever the status. */
  keyRejected?(status: number, body: unknown): boolean;
  /** A cool-down hint carried in the body (Gemini `RetryInfo.retryDelay`), in ms. */
  retryAfterFromBody?(body: unknown): number | undefined;
}

const INVALID_KEY =
  /invalid[ _-]?api[ _-]?key|incorrect api key|api key not valid|api_key_invalid|invalid x-api-key|invalid authentication/i;

/** The common wording of "this key is wrong" across OpenAI, Azure, Anthropic, Gemini and friends. */
export function mentionsInvalidKey(body: unknown): boolean {
  return INVALID_KEY.test(typeof body === 'string' ? body : safeStringify(body));
}

/**
 * The shared HTTP rules (docs/providers.md, "Rules every type follows"): 2xx ok; 401/403 or an invalid-key body
 * retire; 429 quarantines rate-limited with the upstream's deadline; 402 (credits or quota spent)
 * is the key's problem, not the request's, so it cools down like a rate limit; 408/5xx quarantine
 * short; every other 4xx is the client's own error.
 */
export function classifyHttp(status: number, headers: HeaderBag, body: unknown, nowMs: number, hints: ClassifyHints = {}): Outcome {
  if (status >= 200 && status < 300) return { kind: 'ok' };
  const keyRejected = hints.keyRejected ?? ((_s: number, b: unknown) => mentionsInvalidKey(b));
  if (status === 401 || status === 403) return { kind: 'retire', status, reason: status === 401 ? 'unauthorized' : 'forbidden' };
  if (status >= 400 && status < 500 && keyRejected(status, body)) return { kind: 'retire', status, reason: 'invalid_api_key' };
  if (status === 429 || status === 402) {
    const wait = retryAfterMs(headers, nowMs) ?? hints.retryAfterFromBody?.(body);
    return { kind: 'quarantine', status, reason: 'rate_limited', rateLimited: true, ...(wait === undefined ? {} : { retryAfterMs: wait }) };
  }
  if (status === 408) return { kind: 'quarantine', status, reason: 'timeout', rateLimited: false };
  if (status >= 500 || status < 200 || (status >= 300 && status < 400)) {
    return { kind: 'quarantine', status, reason: 'upstream_error', rateLimited: false };
  }
  return { kind: 'client_error', status, reason: redactSecrets(errorMessage(body) ?? `upstream answered ${status}`) };
}

/** An error body as a value: JSON text parsed, anything else (plain text, a parsed value) as it came. */
export function errorBodyValue(body: unknown): unknown {
  if (typeof body !== 'string' || body.length === 0) return body;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}

/** The human message of an error body in the shapes providers use (`{error:{message}}`, `{error:"…"}`, `{message}`, text). */
export function errorMessage(body: unknown): string | undefined {
  if (typeof body === 'string') return body.trim() ? body.trim().slice(0, 500) : undefined;
  if (Array.isArray(body)) return errorMessage(body[0]);
  if (!body || typeof body !== 'object') return undefined;
  const record = body as Record<string, unknown>;
  const error = record.error;
  if (typeof error === 'string') return error;
  if (error && typeof error === 'object' && typeof (error as Record<string, unknown>).message === 'string') {
    return (error as Record<string, unknown>).message as string;
  }
  return typeof record.message === 'string' ? record.message : undefined;
}

/** The `code` of an OpenAI-shaped error body, when there is one. */
export function errorCode(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const error = (body as Record<string, unknown>).error;
  if (!error || typeof error !== 'object') return undefined;
  const code = (error as Record<string, unknown>).code;
  return typeof code === 'string' ? code : undefined;
}

/** Upstream messages sometimes echo part of the key ("Incorrect API key provided: sk-ab***yz"). */
export function redactSecrets(text: string): string {
  return text.replace(/\b(sk|pk|rk|key|AIza)[-_A-Za-z0-9*.]{8,}/g, '[redacted]').replace(/\b[A-Za-z0-9_*-]{32,}\b/g, '[redacted]');
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}
