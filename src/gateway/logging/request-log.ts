import { jsonNumber as num, jsonString as str, RepeatedString, tenthsText } from '../core/json-text';
import type { Attempt, RequestObserver, RequestRecord } from '../routing/request-record';

/** Where the request lines go: the root logger's destination, through its redaction by value. */
export interface RequestLineSink {
  /** Whether the process logs at info (the request line's level). */
  readonly enabled: boolean;
  write(line: string): void;
}

/**
 * One JSON line per finished /v1 request, from the request record: who asked for what, which
 * profile, model and key (a fingerprint) answered, every attempt with its outcome, status, latency,
 * time to first token and tokens. The fields are copied one by one: the record also holds the
 * answer it reads usage from, which must never reach a log.
 *
 * The line is pino's (level, time, pid, the fields, msg) but written out by hand: pino's generic
 * serializer and `JSON.stringify` of a whole object cost 40k and 26k instructions a line, the
 * largest single item of a request's path; this costs a fraction of that.
 */
export class RequestLog implements RequestObserver {
  constructor(private readonly sink: RequestLineSink) {}

  requestFinished(record: RequestRecord): void {
    if (!this.sink.enabled) return;
    this.sink.write(requestLine(record, Date.now()));
  }
}

const LINE_START = `{"level":30,"time":`;
const PID = `,"pid":${process.pid},"requestId":`;

// Every field but the request id mostly repeats from one line to the next.
const client = new RepeatedString();
const endpoint = new RepeatedString();
const alias = new RepeatedString();
const profile = new RepeatedString();
const model = new RepeatedString();
const key = new RepeatedString();
const attemptProfile = new RepeatedString();
const attemptModel = new RepeatedString();
const attemptKey = new RepeatedString();
const outcome = new RepeatedString();
const reason = new RepeatedString();
let lastTime = NaN;
let lastTimeText = '';

/** The line of one record, as pino would write `info({ ...fields }, 'request finished')` at `time`. */
export function requestLine(record: RequestRecord, time: number): string {
  const usage = record.usage;
  // When tracing is on: the trace holding the request's spans.
  const traceId = record.trace?.traceId;
  const tokens = usage
    ? `{"input":${num(usage.prompt_tokens)},"output":${num(usage.completion_tokens)},"total":${num(usage.total_tokens)}}`
    : 'null';
  // Several requests finish in the same millisecond at load; a time's digits are another shortest-digits conversion.
  if (time !== lastTime) {
    lastTime = time;
    lastTimeText = String(time);
  }
  return (
    LINE_START +
    lastTimeText +
    PID +
    str(record.requestId) +
    (traceId === undefined ? '' : `,"traceId":${str(traceId)}`) +
    `,"client":${client.of(record.client)},"endpoint":${endpoint.of(record.endpoint)},"alias":${alias.of(record.alias)},"stream":${record.stream}` +
    `,"profile":${profile.of(record.profile)},"model":${model.of(record.model)},"key":${key.of(record.key)},"status":${num(record.status)}` +
    `,"attempts":[${attemptsJson(record.attempts)}],"latencyMs":${tenthsText(record.latencyMs)}` +
    `,"ttftMs":${record.firstTokenMs === null ? 'null' : tenthsText(record.firstTokenMs)},"tokens":${tokens},"msg":"request finished"}\n`
  );
}

function attemptsJson(attempts: readonly Attempt[]): string {
  let out = '';
  for (const attempt of attempts) {
    if (out) out += ',';
    out += `{"profile":${attemptProfile.of(attempt.profile)},"model":${attemptModel.of(attempt.model)},"key":${attemptKey.of(attempt.key)}`;
    out += `,"status":${attempt.status === null ? 'null' : num(attempt.status)},"outcome":${outcome.of(attempt.outcome)}`;
    out += `,"reason":${reason.of(attempt.reason)},"ms":${tenthsText(attempt.ms)}}`;
  }
  return out;
}
