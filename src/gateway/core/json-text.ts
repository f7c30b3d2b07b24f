/**
 * Pieces of JSON text for the lines and messages written once per request by hand (the request
 * log line, `requests.completed`): what `JSON.stringify` writes for the same value, without its
 * walk of a whole object, which cost 20–40k instructions per request each.
 */

/** Names, ids and fingerprints need no escaping almost always: only those that do go through `JSON.stringify`. */
const PLAIN = /^[\w .:/@+-]*$/;

export function jsonString(value: string | null): string {
  if (value === null) return 'null';
  return PLAIN.test(value) ? `"${value}"` : JSON.stringify(value);
}

/** As JSON writes a number (a NaN or an infinity is null). */
export function jsonNumber(value: number | null): string {
  return value !== null && Number.isFinite(value) ? String(value) : 'null';
}

/** Milliseconds to a tenth: enough for percentiles, shorter on the wire. */
export function tenths(ms: number): number {
  return Math.round(ms * 10) / 10;
}
