import { jsonNumber as num, jsonString as str, tenths as round } from '../core/json-text';
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

/** The line of one record, as pino would write `info({ ...fields }, 'request finished')` at `time`. */
export function requestLine(record: RequestRecord, time: number): string {
  const usage = record.usage;
  // When tracing is on: the trace holding the request's spans.
  const traceId = record.trace?.traceId;
  const tokens = usage
    ? `{"input":${num(usage.prompt_tokens)},"output":${num(usage.completion_tokens)},"total":${num(usage.total_tokens)}}`
    : 'null';
  return (
    LINE_START +
    time +
    PID +
    str(record.requestId) +
    (traceId === undefined ? '' : `,"traceId":${str(traceId)}`) +
    `,"client":${str(record.client)},"endpoint":${str(record.endpoint)},"alias":${str(record.alias)},"stream":${record.stream}` +
    `,"profile":${str(record.profile)},"model":${str(record.model)},"key":${str(record.key)},"status":${num(record.status)}` +
    `,"attempts":[${attemptsJson(record.attempts)}],"latencyMs":${num(round(record.latencyMs))}` +
    `,"ttftMs":${record.firstTokenMs === null ? 'null' : num(round(record.firstTokenMs))},"tokens":${tokens},"msg":"request finished"}\n`
  );
}

function attemptsJson(attempts: readonly Attempt[]): string {
  let out = '';
  for (const { profile, model, key, status, outcome, reason, ms } of attempts) {
    if (out) out += ',';
    out += `{"profile":${str(profile)},"model":${str(model)},"key":${str(key)},"status":${status === null ? 'null' : num(status)}`;
    out += `,"outcome":${str(outcome)},"reason":${str(reason)},"ms":${num(round(ms))}}`;
  }
  return out;
}
