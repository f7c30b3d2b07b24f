import type { UpstreamRequest } from '@switchboard/providers';
import { formatTraceparent, newSpanId, newTraceId, parseTraceparent } from '@switchboard/telemetry';

/** One upstream call of a traced request: the span id its `traceparent` named, and when it began. */
export interface TracedCall {
  readonly spanId: string;
  /** `performance.now()` when the call began. */
  readonly startedAt: number;
  /** The profile's provider type (`openai`, `anthropic`...): the span's `gen_ai.system`. */
  readonly system: string;
}

/**
 * The ids a traced request needs before its spans exist: made at arrival (only when tracing is
 * on), it continues the client's `traceparent`, names the span of each upstream call before the
 * call (the upstream gets it as its parent), and maps each attempt to its call. The spans
 * themselves are built from the finished request's record (`RequestSpans`), so the request path
 * only notes ids and times.
 */
export class RequestTrace {
  readonly traceId: string;
  /** The client's span, when it sent a valid `traceparent`. */
  readonly parent: ReturnType<typeof parseTraceparent>;
  readonly serverSpanId = newSpanId();
  /** `performance.now()` at the request's arrival. */
  readonly startedAt: number;
  readonly calls: TracedCall[] = [];
  /** `attemptCalls[i]` is the index in `calls` of attempt `i` (a stream's mid-answer failure shares its call). */
  readonly attemptCalls: number[] = [];
  private readonly flags: number;

  constructor(traceparent: unknown, startedAt = performance.now()) {
    this.parent = parseTraceparent(traceparent);
    this.traceId = this.parent?.traceId ?? newTraceId();
    this.flags = this.parent?.traceFlags ?? 1;
    this.startedAt = startedAt;
  }

  /** An upstream call about to start: the request with the `traceparent` of its span. */
  callStarted(upstream: UpstreamRequest, system: string): UpstreamRequest {
    const spanId = newSpanId();
    this.calls.push({ spanId, startedAt: performance.now(), system });
    return { ...upstream, headers: { ...upstream.headers, traceparent: formatTraceparent(this.traceId, spanId, this.flags) } };
  }

  /** The attempt just noted belongs to the latest call. */
  attemptNoted(): void {
    this.attemptCalls.push(this.calls.length - 1);
  }
}
