import { header, type HeaderBag } from './headers';

/**
 * How long the upstream asked us to wait, in ms: `retry-after-ms` (OpenAI, Azure) wins over
 * `Retry-After`, which is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). `undefined` when
 * no usable hint is present; a date in the past means "now" (0).
 */
export function retryAfterMs(headers: HeaderBag, nowMs: number): number | undefined {
  const ms = parseNumber(header(headers, 'retry-after-ms'));
  if (ms !== undefined) return ms;
  const raw = header(headers, 'retry-after')?.trim();
  if (!raw) return undefined;
  const seconds = parseNumber(raw);
  if (seconds !== undefined) return Math.round(seconds * 1000);
  const at = Date.parse(raw);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

function parseNumber(raw: string | undefined): number | undefined {
  if (raw === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(raw)) return undefined;
  return Number(raw);
}
