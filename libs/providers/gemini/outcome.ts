import type { Outcome } from '../provider';
import { classifyHttp, errorBodyValue, mentionsInvalidKey, type HeaderBag } from '../shared';
import type { GoogleRpcStatus } from './gemini-wire';

/**
 * Gemini's own words on top of the shared HTTP rules: a bad key is a 400 INVALID_ARGUMENT whose
 * `google.rpc.ErrorInfo` says `API_KEY_INVALID` (retire, not the client's fault), and a 429 tells
 * how long to wait in `google.rpc.RetryInfo.retryDelay` rather than in a header.
 */
export function classifyGemini(status: number, headers: HeaderBag, raw: unknown, nowMs: number): Outcome {
  const body = errorBodyValue(raw);
  const outcome = classifyHttp(status, headers, body, nowMs, {
    keyRejected: (_status, b) => keyRejected(b),
    retryAfterFromBody: retryDelayMs,
  });
  // A Gemini 429 body speaks for the quota that ran out, so it wins over a generic header.
  if (outcome.kind === 'quarantine' && outcome.rateLimited) {
    const wait = retryDelayMs(body) ?? outcome.retryAfterMs;
    return { ...outcome, reason: rpcStatus(body)?.status ?? outcome.reason, ...(wait === undefined ? {} : { retryAfterMs: wait }) };
  }
  if (outcome.kind === 'retire' && keyRejected(body)) return { ...outcome, reason: 'API_KEY_INVALID' };
  return outcome;
}

function keyRejected(body: unknown): boolean {
  const error = rpcStatus(body);
  if (error?.details?.some((d) => d.reason === 'API_KEY_INVALID')) return true;
  return mentionsInvalidKey(body) || /api key not found|api key expired/i.test(error?.message ?? '');
}

/** `RetryInfo.retryDelay` is a protobuf Duration in JSON: decimal seconds with an `s` ("30s", "1.5s"). */
export function retryDelayMs(body: unknown): number | undefined {
  const info = rpcStatus(body)?.details?.find((d) => String(d['@type'] ?? '').endsWith('google.rpc.RetryInfo'));
  const match = /^\s*(\d+(?:\.\d+)?)s\s*$/.exec(String(info?.retryDelay ?? ''));
  return match ? Math.round(Number(match[1]) * 1000) : undefined;
}

/** The error object, also when it comes wrapped in an array (the streaming endpoint's JSON mode does that). */
function rpcStatus(body: unknown): GoogleRpcStatus | undefined {
  const first = Array.isArray(body) ? body[0] : body;
  const error = first && typeof first === 'object' ? (first as { error?: unknown }).error : undefined;
  return error && typeof error === 'object' ? (error as GoogleRpcStatus) : undefined;
}
