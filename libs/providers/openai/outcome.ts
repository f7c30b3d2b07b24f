import type { Outcome } from '../provider';
import { classifyHttp, errorCode, mentionsInvalidKey, type HeaderBag } from '../shared';

/**
 * OpenAI names a dead key with `code: "invalid_api_key"` (normally on a 401, but some compatible
 * hosts send it on a 400): retire on it whatever the status.
 */
export function openAiKeyRejected(_status: number, body: unknown): boolean {
  return errorCode(body) === 'invalid_api_key' || mentionsInvalidKey(body);
}

export function classify(status: number, headers: HeaderBag, body: unknown, nowMs: number): Outcome {
  return classifyHttp(status, headers, body, nowMs, { keyRejected: openAiKeyRejected });
}
