import type { Outcome } from '../provider';
import { classifyHttp, errorMessage, mentionsInvalidKey, type HeaderBag } from '../shared';

/** Azure's 401 says "Access denied due to invalid subscription key or wrong API endpoint". */
function keyRejected(_status: number, body: unknown): boolean {
  return mentionsInvalidKey(body) || /invalid subscription key/i.test(errorMessage(body) ?? '');
}

/** Azure's 429 message repeats the wait ("Please retry after 6 seconds") for when a proxy ate the headers. */
export function retryAfterFromMessage(body: unknown): number | undefined {
  const match = /retry after (\d+) seconds?/i.exec(errorMessage(body) ?? '');
  return match ? Number(match[1]) * 1000 : undefined;
}

export function classify(status: number, headers: HeaderBag, body: unknown, nowMs: number): Outcome {
  return classifyHttp(status, headers, body, nowMs, { keyRejected, retryAfterFromBody: retryAfterFromMessage });
}
