import type { Outcome } from '../provider';
import { classifyHttp, errorBodyValue, mentionsInvalidKey } from '../shared/classify';
import type { HeaderBag } from '../shared/headers';
import { retryAfterMs } from '../shared/retry-after';

/** `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}` -> `overloaded_error`. */
export function errorType(body: unknown): string | undefined {
  const parsed = errorBodyValue(body);
  if (!parsed || typeof parsed !== 'object') return undefined;
  const error = (parsed as Record<string, unknown>).error;
  if (!error || typeof error !== 'object') return undefined;
  const type = (error as Record<string, unknown>).type;
  return typeof type === 'string' ? type : undefined;
}

/**
 * Anthropic's statuses follow the shared rules (401/403 retire, 429 rate-limited, 5xx and 529
 * overloaded short quarantine, other 4xx the client's); the error type names the reason, and an
 * authentication or permission error retires the key whatever status carries it.
 */
export function classifyAnthropic(status: number, headers: HeaderBag, body: unknown, nowMs: number): Outcome {
  const parsed = errorBodyValue(body);
  const type = errorType(parsed);
  const keyRejected = (_status: number, b: unknown) =>
    type === 'authentication_error' || type === 'permission_error' || mentionsInvalidKey(b);
  const outcome = classifyHttp(status, headers, parsed, nowMs, { keyRejected });
  if (outcome.kind === 'ok' || outcome.kind === 'client_error' || outcome.kind === 'unsupported') return outcome;
  if (outcome.kind === 'retire') return { ...outcome, reason: type ?? outcome.reason };
  // An overloaded 529 may carry retry-after too: pass the hint on, the router still treats it as short.
  const wait = outcome.retryAfterMs ?? retryAfterMs(headers, nowMs);
  return { ...outcome, reason: type ?? outcome.reason, ...(wait === undefined ? {} : { retryAfterMs: wait }) };
}
