import type { Prices } from '@switchboard/domain';
import { jsonNumber as num, jsonString as str, RecordFieldTexts, RepeatedTime, tenths as round, tenthsText } from '../core/json-text';
import { requestCostUsd, type RequestRecord } from '../routing/request-record';

/**
 * The message of one finished /v1 request on `<prefix>.requests.completed`: what served it, how it
 * went, its tokens and cost. Never a prompt, an answer, tool arguments or a secret: keys appear
 * only as fingerprints, and attempts carry no upstream error text.
 */
export interface RequestCompletedMessage {
  request_id: string;
  /** The trace holding the request's spans (the log line's `traceId`); null when tracing is off. */
  trace_id: string | null;
  /** When the request finished (ISO 8601). */
  at: string;
  client: string | null;
  endpoint: string;
  alias: string | null;
  stream: boolean;
  profile: string | null;
  model: string | null;
  key_fingerprint: string | null;
  status: number;
  attempts: Array<{ profile: string; model: string; key_fingerprint: string; outcome: string; status: number | null; ms: number }>;
  latency_ms: number;
  /** A stream's time to first token; null otherwise. */
  ttft_ms: number | null;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
  cost_usd: number;
}

export function requestCompletedMessage(record: RequestRecord, prices: Prices, atMs: number): RequestCompletedMessage {
  const usage = record.usage;
  return {
    request_id: record.requestId,
    trace_id: record.trace?.traceId ?? null,
    at: new Date(atMs).toISOString(),
    client: record.client,
    endpoint: record.endpoint,
    alias: record.alias,
    stream: record.stream,
    profile: record.profile,
    model: record.model,
    key_fingerprint: record.key,
    status: record.status,
    attempts: record.attempts.map((a) => ({
      profile: a.profile,
      model: a.model,
      key_fingerprint: a.key,
      outcome: a.outcome,
      status: a.status,
      ms: round(a.ms),
    })),
    latency_ms: round(record.latencyMs),
    ttft_ms: record.firstTokenMs === null ? null : round(record.firstTokenMs),
    usage: usage
      ? { prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens, total_tokens: usage.total_tokens }
      : null,
    cost_usd: requestCostUsd(record, prices),
  };
}

const texts = new RecordFieldTexts();
const atText = new RepeatedTime((ms) => new Date(ms).toISOString());

/**
 * The message as JSON text, what `JSON.stringify(requestCompletedMessage(...))` writes, written out
 * by hand: it is made for every finished request, and the object and its serialization cost 25k
 * instructions. As in the request line, fields that repeat from one message to the next keep their
 * last text, tenths are written from their integer, and the time's text is kept for its millisecond
 * (several requests finish in one at load).
 */
export function requestCompletedJson(record: RequestRecord, prices: Prices, atMs: number): string {
  const usage = record.usage;
  const { client, endpoint, alias, profile, model, key, attemptProfile, attemptModel, attemptKey, outcome } = texts;
  let attempts = '';
  for (const a of record.attempts) {
    if (attempts) attempts += ',';
    attempts += `{"profile":${attemptProfile.of(a.profile)},"model":${attemptModel.of(a.model)},"key_fingerprint":${attemptKey.of(a.key)}`;
    attempts += `,"outcome":${outcome.of(a.outcome)},"status":${num(a.status)},"ms":${tenthsText(a.ms)}}`;
  }
  return (
    `{"request_id":${str(record.requestId)},"trace_id":${record.trace ? str(record.trace.traceId) : 'null'},"at":"${atText.of(atMs)}","client":${client.of(record.client)}` +
    `,"endpoint":${endpoint.of(record.endpoint)},"alias":${alias.of(record.alias)},"stream":${record.stream},"profile":${profile.of(record.profile)}` +
    `,"model":${model.of(record.model)},"key_fingerprint":${key.of(record.key)},"status":${num(record.status)},"attempts":[${attempts}]` +
    `,"latency_ms":${tenthsText(record.latencyMs)},"ttft_ms":${record.firstTokenMs === null ? 'null' : tenthsText(record.firstTokenMs)}` +
    `,"usage":${usage ? `{"prompt_tokens":${num(usage.prompt_tokens)},"completion_tokens":${num(usage.completion_tokens)},"total_tokens":${num(usage.total_tokens)}}` : 'null'}` +
    `,"cost_usd":${num(requestCostUsd(record, prices))}}`
  );
}
