import { costUsd, type Prices } from '@switchboard/domain';
import type { RequestTrace } from './request-trace';

/** One upstream call of a request, as the 503 body lists it. `key` is a fingerprint. */
export interface Attempt {
  profile: string;
  model: string;
  key: string;
  /** Upstream HTTP status; null when no answer came (timeout, connection error). */
  status: number | null;
  outcome: 'ok' | 'client_error' | 'retire' | 'quarantine' | 'unsupported';
  reason: string;
  /** How long the call took (ms), for the request record; left out of the 503 body. */
  ms: number;
}

/** The token counts the answer reported (OpenAI's `usage`). */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** The /v1 endpoints whose requests end in a record: the routing pipeline's front ends and ReAct sessions. */
export type Endpoint =
  | '/v1/chat/completions'
  | '/v1/completions'
  | '/v1/embeddings'
  | '/v1/responses'
  | '/v1/messages'
  | '/v1/messages/count_tokens'
  | '/v1/react/sessions';

/** One model call of a ReAct session that was answered: the provider model that answered and what it reported. */
export interface ModelCall {
  model: string;
  usage: Usage | null;
}

/**
 * What one finished `/v1` request came to: built once when it ends (answered, refused, chain
 * exhausted, client gone; a stream when its relay ends) and handed to every `RequestObserver`.
 *
 * How to subscribe (token limits, usage publishing, access logs, spans...): implement
 * `RequestObserver` and call `RequestObservers.register(observer)` once at start-up (e.g. in a
 * provider's constructor; `RequestObservers` is provided globally by `V1Module`). Nothing else on
 * the request path changes. `GatewayMetrics` is the first observer.
 */
export interface RequestRecord {
  /** The `x-request-id` the client got. */
  readonly requestId: string;
  /** The client's name (its key's: issued, or `auth.client_keys`); null on an open gateway. */
  readonly client: string | null;
  readonly endpoint: Endpoint;
  /** The resolved model alias; null when the request was refused before one (bad body, unknown model). */
  readonly alias: string | null;
  readonly stream: boolean;
  /** The profile, provider model and key fingerprint that answered; null when none did. */
  readonly profile: string | null;
  readonly model: string | null;
  readonly key: string | null;
  /** The HTTP status the client got (499: it went away first; 200 for a stream that started). */
  readonly status: number;
  /** Every upstream call, in order (a stream's mid-answer failure is the last). */
  readonly attempts: readonly Attempt[];
  /** From the request's arrival at routing to its last byte. */
  readonly latencyMs: number;
  /** A stream's first chunk, from the same start; null for a non-streaming answer. */
  readonly firstTokenMs: number | null;
  /**
   * The answer's own token counts when it reported them (a stream only with
   * `stream_options.include_usage`). Read from the answer on first access, so an observer that
   * never asks costs the request nothing.
   */
  readonly usage: Usage | null;
  /** The model the answer names (`gen_ai.response.model`), read from it on first access like `usage`. */
  readonly responseModel: string | null;
  /**
   * The request's trace ids and call times, when tracing is on (its spans are built from them; an
   * agent's request, with `modelCalls`, was traced as it ran and only names its trace).
   */
  readonly trace: RequestTrace | null;
  /**
   * An agent's request (a ReAct session) makes several model calls, maybe answered by several
   * models: each answered one, which its cost is summed from (`usage` is their sum). Absent for a
   * routed request, whose one answer is `model` and `usage`.
   */
  readonly modelCalls?: readonly ModelCall[];
}

/** What a finished request cost (`prices` per provider model): the one rule usage, budgets and `requests.completed` share. */
export function requestCostUsd(record: RequestRecord, prices: Prices): number {
  const calls = record.modelCalls;
  if (calls === undefined) return record.model === null ? 0 : costUsd(prices, record.model, record.usage ?? undefined);
  let usd = 0;
  for (const call of calls) usd += costUsd(prices, call.model, call.usage ?? undefined);
  // Each call's cost is kept to 1e-10 USD; so is their sum.
  return Math.round(usd * 1e10) / 1e10;
}

/**
 * Listens to finished requests. Called synchronously on the request path after the answer was
 * written: keep it to a few map updates or a queue push; it must not throw (a throw is caught and
 * logged, never reaches the client) and must not hold the request up.
 */
export interface RequestObserver {
  requestFinished(record: RequestRecord): void;
}
