import type { Outcome } from '../provider';
import { classifyHttp, errorBodyValue, mentionsInvalidKey, type HeaderBag } from '../shared';

/** Cohere says "invalid api token" / "no api key supplied" / "Your API key has expired". */
const KEY_REJECTED = /invalid api token|no api key supplied|api key has expired/i;

/**
 * The shared HTTP rules with Cohere's wording of a dead key: 401 retires, 429 (and 402, credits
 * spent) cool down with `Retry-After` when given, 5xx quarantine short, 400/422 are the client's.
 */
export function classifyCohere(status: number, headers: HeaderBag, raw: unknown, nowMs: number): Outcome {
  const body = errorBodyValue(raw);
  return classifyHttp(status, headers, body, nowMs, {
    keyRejected: (_status, b) => mentionsInvalidKey(b) || KEY_REJECTED.test(JSON.stringify(b ?? '')),
  });
}
