import { jsonNumber as num, jsonString as str, RecordFieldTexts, RepeatedTime, tenthsText } from '../core/json-text';
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

const texts = new RecordFieldTexts();
const timeText = new RepeatedTime(String);

/** The line of one record, as pino would write `info({ ...fields }, 'request finished')` at `time`. */
export function requestLine(record: RequestRecord, time: number): string {
  const usage = record.usage;
  // When tracing is on: the trace holding the request's spans.
  const traceId = record.trace?.traceId;
  const tokens = usage
    ? `{"input":${num(usage.prompt_tokens)},"output":${num(usage.completion_tokens)},"total":${num(usage.total_tokens)}}`
    : 'null';
  const { client, endpoint, alias, profile, model, key } = texts;
  return (
    LINE_START +
    timeText.of(time) +
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
  const { attemptProfile, attemptModel, attemptKey, outcome, reason } = texts;
  let out = '';
  for (const attempt of attempts) {
    if (out) out += ',';
    out += `{"profile":${attemptProfile.of(attempt.profile)},"model":${attemptModel.of(attempt.model)},"key":${attemptKey.of(attempt.key)}`;
    out += `,"status":${attempt.status === null ? 'null' : num(attempt.status)},"outcome":${outcome.of(attempt.outcome)}`;
    out += `,"reason":${reason.of(attempt.reason)},"ms":${tenthsText(attempt.ms)}}`;
  }
  return out;
}
