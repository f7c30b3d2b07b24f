import { contextUnder, SpanKind, SpanStatusCode, startSpanWithIds, type Attributes } from '@switchboard/telemetry';
import type { Attempt, Endpoint, RequestObserver, RequestRecord } from '../routing/request-record';
import type { RequestTrace, TracedCall } from '../routing/request-trace';

/** `gen_ai.system` of each provider type (OpenTelemetry's GenAI names where it has one). */
const GEN_AI_SYSTEM: Record<string, string> = {
  openai: 'openai',
  azure: 'az.ai.openai',
  anthropic: 'anthropic',
  gemini: 'gcp.gemini',
  cohere: 'cohere',
};

/** `gen_ai.operation.name` of each front end (the upstream is asked for chat by the translating ones). */
const OPERATION: Record<Endpoint, string> = {
  '/v1/chat/completions': 'chat',
  '/v1/completions': 'text_completion',
  '/v1/embeddings': 'embeddings',
  '/v1/responses': 'chat',
  '/v1/messages': 'chat',
  '/v1/messages/count_tokens': 'count_tokens',
};

/**
 * The spans of a finished `/v1` request, built from its record with the ids and times the request
 * noted on its way (`RequestTrace`): a server span (under the client's `traceparent` when it sent
 * one) and a client span per upstream call, whose id the upstream already got as its parent.
 * Attributes follow OpenTelemetry's GenAI conventions, plus the key's fingerprint and the
 * attempt's outcome. Building them here keeps the request path to noting ids.
 */
export class RequestSpans implements RequestObserver {
  requestFinished(record: RequestRecord): void {
    const trace = record.trace;
    if (!trace) return;
    const end = epochMs(performance.now());
    const server = startSpanWithIds(
      `POST ${record.endpoint}`,
      { kind: SpanKind.SERVER, startTime: epochMs(trace.startedAt), attributes: serverAttributes(record) },
      contextUnder(trace.parent),
      { traceId: trace.traceId, spanId: trace.serverSpanId },
    );
    if (!server) return;
    if (record.status >= 500) server.setStatus({ code: SpanStatusCode.ERROR });
    const under = contextUnder(server.spanContext());
    const attempts = attemptsByCall(record.attempts, trace);
    trace.calls.forEach((call, index) => {
      const attempt = attempts.get(index);
      const served = attempt?.outcome === 'ok' && index === trace.calls.length - 1 && record.status < 400;
      const span = startSpanWithIds(
        `${OPERATION[record.endpoint]} ${attempt?.model ?? record.model ?? ''}`.trim(),
        { kind: SpanKind.CLIENT, startTime: epochMs(call.startedAt), attributes: callAttributes(record, call, attempt, served) },
        under,
        { spanId: call.spanId },
      );
      if (!span) return;
      if (attempt?.outcome !== 'ok') span.setStatus({ code: SpanStatusCode.ERROR, message: attempt?.reason ?? 'aborted' });
      span.end(attempt ? epochMs(call.startedAt + attempt.ms) : end);
    });
    server.end(end);
  }
}

function serverAttributes(record: RequestRecord): Attributes {
  const attributes: Attributes = {
    'http.request.method': 'POST',
    'http.route': record.endpoint,
    'http.response.status_code': record.status,
    'switchboard.request_id': record.requestId,
    'switchboard.attempts': record.attempts.length,
  };
  if (record.alias !== null) attributes['switchboard.alias'] = record.alias;
  if (record.client !== null) attributes['switchboard.client'] = record.client;
  if (record.profile !== null) attributes['switchboard.provider.profile'] = record.profile;
  if (record.key !== null) attributes['switchboard.key.fingerprint'] = record.key;
  return attributes;
}

function callAttributes(record: RequestRecord, call: TracedCall, attempt: Attempt | undefined, served: boolean): Attributes {
  const attributes: Attributes = {
    'gen_ai.system': GEN_AI_SYSTEM[call.system] ?? call.system,
    'gen_ai.operation.name': OPERATION[record.endpoint],
    'switchboard.attempt.outcome': attempt?.outcome ?? 'aborted',
  };
  if (attempt) {
    attributes['gen_ai.request.model'] = attempt.model;
    attributes['switchboard.provider.profile'] = attempt.profile;
    attributes['switchboard.key.fingerprint'] = attempt.key;
    attributes['switchboard.attempt.reason'] = attempt.reason;
    if (attempt.status !== null) attributes['http.response.status_code'] = attempt.status;
  }
  if (served) {
    const model = record.responseModel;
    if (model !== null) attributes['gen_ai.response.model'] = model;
    const usage = record.usage;
    if (usage) {
      attributes['gen_ai.usage.input_tokens'] = usage.prompt_tokens;
      attributes['gen_ai.usage.output_tokens'] = usage.completion_tokens;
    }
  }
  return attributes;
}

/** The last attempt noted for each call (a stream that failed mid-answer was noted twice). */
function attemptsByCall(attempts: readonly Attempt[], trace: RequestTrace): Map<number, Attempt> {
  const byCall = new Map<number, Attempt>();
  attempts.forEach((attempt, i) => byCall.set(trace.attemptCalls[i], attempt));
  return byCall;
}

function epochMs(performanceMs: number): number {
  return performance.timeOrigin + performanceMs;
}
