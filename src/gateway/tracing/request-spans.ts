import { contextUnder, SpanKind, SpanStatusCode, startSpanWithIds, type Attributes, type Context } from '@switchboard/telemetry';
import type { Attempt, Endpoint, RequestObserver, RequestRecord, Usage } from '../routing/request-record';
import { modelOf, usageOf } from '../routing/finish-request';
import type { RequestContext } from '../routing/request-context';
import type { RequestTrace, TracedCall } from '../routing/request-trace';
import type { RouteResult } from '../routing/route-result';

/** `gen_ai.system` of each provider type (OpenTelemetry's GenAI names where it has one). */
const GEN_AI_SYSTEM: Record<string, string> = {
  openai: 'openai',
  azure: 'az.ai.openai',
  anthropic: 'anthropic',
  gemini: 'gcp.gemini',
  cohere: 'cohere',
};

/** The `gen_ai.system` of a provider type: OpenTelemetry's name where it has one, the type otherwise. */
export function genAiSystem(providerType: string): string {
  return GEN_AI_SYSTEM[providerType] ?? providerType;
}

/** `gen_ai.operation.name` of each front end (the upstream is asked for chat by the translating ones). */
const OPERATION: Record<Endpoint, string> = {
  '/v1/chat/completions': 'chat',
  '/v1/completions': 'text_completion',
  '/v1/embeddings': 'embeddings',
  '/v1/responses': 'chat',
  '/v1/messages': 'chat',
  '/v1/messages/count_tokens': 'count_tokens',
  // Sessions trace themselves as they run (their steps and calls are spans of their own): no span is built from their records.
  '/v1/react/sessions': 'invoke_agent',
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
    // An agent's request (model calls summed) was traced as it ran: its record names the trace for the log line only.
    if (!trace || record.modelCalls !== undefined) return;
    const end = epochMs(performance.now());
    const server = startSpanWithIds(
      `POST ${record.endpoint}`,
      { kind: SpanKind.SERVER, startTime: epochMs(trace.startedAt), attributes: serverAttributes(record) },
      contextUnder(trace.parent),
      { traceId: trace.traceId, spanId: trace.serverSpanId },
    );
    if (!server) return;
    if (record.status >= 500) server.setStatus({ code: SpanStatusCode.ERROR });
    const served = record.status < 400 ? { responseModel: record.responseModel, usage: record.usage } : null;
    endCallSpans(trace, record.attempts, contextUnder(server.spanContext()), OPERATION[record.endpoint], served, end);
    server.end(end);
  }
}

/**
 * The spans of a call routed in-process (a ReAct step's model call): its upstream calls as client
 * spans under the span that was active when it began, there being no HTTP request of its own.
 */
export function traceRoutedCalls(request: RequestContext, result: RouteResult): void {
  const trace = request.trace;
  if (!trace) return;
  const answer = result.kind === 'served' ? (result.answer ?? result.body) : undefined;
  const served = answer === undefined ? null : { responseModel: modelOf(answer), usage: usageOf(answer) };
  const operation = request.op === 'completions' ? 'text_completion' : request.op;
  endCallSpans(trace, request.attempts, contextUnder(trace.parent), operation, served, epochMs(performance.now()));
}

/** What the serving attempt's span says of the answer: the model it names and its tokens. */
export interface ServedAnswer {
  readonly responseModel: string | null;
  readonly usage: Usage | null;
}

/**
 * A client span per upstream call of the request, under `parent`, with the ids and start times
 * the request noted, ended at its attempt's end (at `end` when the request was aborted mid-call).
 * `served`: the request was answered, by its last call.
 */
export function endCallSpans(
  trace: RequestTrace,
  attempts: readonly Attempt[],
  parent: Context,
  operation: string,
  served: ServedAnswer | null,
  end: number,
): void {
  const byCall = attemptsByCall(attempts, trace);
  trace.calls.forEach((call, index) => {
    const attempt = byCall.get(index);
    const serving = attempt?.outcome === 'ok' && index === trace.calls.length - 1 ? served : null;
    const span = startSpanWithIds(
      `${operation} ${attempt?.model ?? ''}`.trim(),
      { kind: SpanKind.CLIENT, startTime: epochMs(call.startedAt), attributes: callAttributes(operation, call, attempt, serving) },
      parent,
      { traceId: trace.traceId, spanId: call.spanId },
    );
    if (!span) return;
    if (attempt?.outcome !== 'ok') span.setStatus({ code: SpanStatusCode.ERROR, message: attempt?.reason ?? 'aborted' });
    span.end(attempt ? epochMs(call.startedAt + attempt.ms) : end);
  });
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

function callAttributes(operation: string, call: TracedCall, attempt: Attempt | undefined, served: ServedAnswer | null): Attributes {
  const attributes: Attributes = {
    'gen_ai.system': genAiSystem(call.system),
    'gen_ai.operation.name': operation,
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
    if (served.responseModel !== null) attributes['gen_ai.response.model'] = served.responseModel;
    if (served.usage) {
      attributes['gen_ai.usage.input_tokens'] = served.usage.prompt_tokens;
      attributes['gen_ai.usage.output_tokens'] = served.usage.completion_tokens;
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

export function epochMs(performanceMs: number): number {
  return performance.timeOrigin + performanceMs;
}
