import { activeTraceparent } from '@switchboard/telemetry';
import { modelOf, usageOf } from '../routing/finish-request';
import type { Attempt, Endpoint, ModelCall, RequestRecord, Usage } from '../routing/request-record';
import { RequestTrace } from '../routing/request-trace';
import type { RouteResult } from '../routing/route-result';
import type { ModelCallMeter } from '../v1/routed-model-client';

/** The /v1 request a session runs for: what its record says besides the model calls. */
export interface SessionOrigin {
  requestId: string;
  client: string | null;
  endpoint: Endpoint;
  alias: string;
  /** The client reads the session as it goes (server-sent events): its first step is its first token. */
  stream: boolean;
  /** `performance.now()` at the request's arrival. */
  startedAt: number;
}

/**
 * Turns a ReAct session into one finished request: its model calls (nested `ask_agent` sessions'
 * included, they run on the same meter) are added up as they are answered, and when the session
 * ends `record` is the one `RequestRecord` of the client's request: every attempt of every call,
 * the tokens summed, the last answering profile, model and key, and each answered call for its cost.
 */
export class SessionMeter implements ModelCallMeter {
  private readonly attempts: Attempt[] = [];
  private readonly calls: ModelCall[] = [];
  private usage: Usage | null = null;
  private served: { profile: string; model: string; key: string; responseModel: string | null } | undefined;
  private firstOutputMs: number | null = null;
  /**
   * Made inside the request's server span when tracing is on: the record names that trace (the
   * log line's `traceId`); the session's spans were made as it ran, none is built from the record.
   */
  private readonly trace: RequestTrace | null;

  constructor(private readonly origin: SessionOrigin) {
    const traceparent = activeTraceparent();
    this.trace = traceparent === undefined ? null : new RequestTrace(traceparent, origin.startedAt);
  }

  called(result: RouteResult): void {
    for (const attempt of result.attempts) this.attempts.push(attempt);
    if (result.kind !== 'served') return;
    const answer = result.answer ?? result.body;
    const usage = usageOf(answer);
    this.calls.push({ model: result.target.model, usage });
    this.served = { profile: result.target.name, model: result.target.model, key: result.fingerprint, responseModel: modelOf(answer) };
    if (usage) this.usage = added(this.usage, usage);
  }

  /** The client got the session's first step (or, on a chat stream, the answer's content). */
  firstOutput(): void {
    this.firstOutputMs ??= performance.now() - this.origin.startedAt;
  }

  /** The request's record, once the session ended and the client got `status`. */
  record(status: number): RequestRecord {
    const { requestId, client, endpoint, alias, stream, startedAt } = this.origin;
    const served = this.served;
    // Plain values only (no answer or prompt is kept), so it serialises as it is.
    return {
      requestId,
      client,
      endpoint,
      alias,
      stream,
      profile: served?.profile ?? null,
      model: served?.model ?? null,
      key: served?.key ?? null,
      status,
      attempts: this.attempts,
      latencyMs: performance.now() - startedAt,
      firstTokenMs: stream ? this.firstOutputMs : null,
      usage: this.usage,
      responseModel: served?.responseModel ?? null,
      trace: this.trace,
      modelCalls: this.calls,
    };
  }
}

function added(sum: Usage | null, usage: Usage): Usage {
  if (sum === null) return { ...usage };
  return {
    prompt_tokens: sum.prompt_tokens + usage.prompt_tokens,
    completion_tokens: sum.completion_tokens + usage.completion_tokens,
    total_tokens: sum.total_tokens + usage.total_tokens,
  };
}
