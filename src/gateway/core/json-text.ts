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

/**
 * The JSON text of `tenths(ms)`, written from the integer of tenths: `String` of a fraction runs
 * V8's shortest-digits conversion, about a thousand instructions. For a whole number of tenths `t`,
 * the double nearest to t / 10 reads back shortest as its whole part and one digit, so the text is
 * the same; negative, huge or non-finite values go the usual way.
 */
export function tenthsText(ms: number): string {
  const t = Math.round(ms * 10);
  if (!(t >= 0 && t < 1e9)) return jsonNumber(tenths(ms));
  const digit = t % 10;
  const whole = (t - digit) / 10;
  return digit === 0 ? String(whole) : `${whole}.${digit}`;
}

/**
 * The JSON text of a field whose value mostly repeats from one line to the next (a name, a
 * fingerprint, an outcome): the last value's is kept, so a repeat costs one comparison instead of
 * the escaping check.
 */
export class RepeatedString {
  private last: string | null = null;
  private lastText = 'null';

  of(value: string | null): string {
    if (value !== this.last) {
      this.last = value;
      this.lastText = jsonString(value);
    }
    return this.lastText;
  }
}

/**
 * The JSON texts of a finished request's fields that mostly repeat from one record to the next
 * (every field but its id and figures), one set per writer: the request line, `requests.completed`.
 */
export class RecordFieldTexts {
  readonly client = new RepeatedString();
  readonly endpoint = new RepeatedString();
  readonly alias = new RepeatedString();
  readonly profile = new RepeatedString();
  readonly model = new RepeatedString();
  readonly key = new RepeatedString();
  readonly attemptProfile = new RepeatedString();
  readonly attemptModel = new RepeatedString();
  readonly attemptKey = new RepeatedString();
  readonly outcome = new RepeatedString();
  readonly reason = new RepeatedString();
}

/** A time's text, kept for its millisecond: several requests finish in one at load, and each conversion costs. */
export class RepeatedTime {
  private last = NaN;
  private lastText = '';

  constructor(private readonly format: (ms: number) => string) {}

  of(ms: number): string {
    if (ms !== this.last) {
      this.last = ms;
      this.lastText = this.format(ms);
    }
    return this.lastText;
  }
}
