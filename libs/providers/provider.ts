import type { CancelSignal } from './http/cancellation';
import type { ProviderType } from './registry';

export type { ProviderType };

/*
 * The shared shape of an upstream provider type. Every function here is pure: no I/O, no clock,
 * no logger. The undici call lives once, in `libs/providers/http/`. The type names themselves
 * come from the registry (`registry.ts`): a folder's provider whose `type` has no registry line
 * does not type-check.
 */

/**
 * What a client can ask an upstream for through the gateway: the OpenAI endpoints, and
 * `count_tokens` (the token count of a chat request, which only Anthropic's API offers:
 * `/v1/messages/count_tokens`).
 */
export type Operation = 'chat' | 'completions' | 'embeddings' | 'models' | 'count_tokens';

/** What a provider function needs to know about the profile it serves (resolved config, no secrets). */
export interface ProfileInfo {
  name: string;
  type: ProviderType;
  /** Root URL as the provider's SDK takes it, without trailing slash; defaults filled in. */
  baseUrl: string;
  apiVersion?: string;
  anthropicVersion?: string;
  maxTokensDefault?: number;
}

/** Everything one upstream call is about. `model` is the chain entry's model (the provider's name for it). */
export interface CallContext {
  profile: ProfileInfo;
  model: string;
  /** The secret, used only to build headers; never logged, never put in an event. */
  key: string;
  stream: boolean;
  /**
   * The client's `encoding_format` for embeddings. Upstreams that answer floats only (Gemini,
   * Cohere) are encoded to match, because the official openai SDK asks for base64 when its caller
   * sets nothing and decodes whatever comes back as base64.
   */
  encodingFormat?: 'float' | 'base64';
  /** The client's `stream_options.include_usage`: only then does a stream end with OpenAI's usage-only chunk. */
  includeUsage?: boolean;
  /**
   * The answer's date (unix seconds) for upstreams whose answers carry none. The router reads the
   * clock so that no mapper has to; a mapper given none dates the answer 0.
   */
  created?: number;
}

/** The identity every chunk of one streamed completion repeats, and what the client asked of the stream. */
export interface StreamInit {
  model: string;
  id: string;
  created: number;
  /** `stream_options.include_usage`: emit the final `choices: []` usage chunk (OpenAI sends it only on request). */
  includeUsage?: boolean;
}

export interface UpstreamRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  /** Serialized JSON body. */
  body?: string;
}

/** One server-sent event as received from upstream. */
export interface SseEvent {
  event?: string;
  data: string;
}

/** What a call's result means for the key, the profile and the client. */
export type Outcome =
  | { kind: 'ok' }
  /** The client's own error (400/404/413/422 about the request): returned as is, no failover. */
  | { kind: 'client_error'; status: number; reason: string }
  /** The key is dead (401/403, invalid key): never try it again. */
  | { kind: 'retire'; status: number; reason: string }
  /**
   * The key must cool down. `rateLimited` quarantines honour `retryAfterMs` (the provider's word,
   * no probe ends them early); other quarantines are short and count toward the profile's circuit.
   */
  | { kind: 'quarantine'; status: number; reason: string; rateLimited: boolean; retryAfterMs?: number }
  /** The profile cannot serve this request (e.g. `n > 1` on Anthropic): skip to the next profile. */
  | { kind: 'unsupported'; status: 400; reason: string; param: string };

export interface StreamStep<S> {
  state: S;
  /** OpenAI `chat.completion.chunk` objects (or their JSON text) to send, in order. */
  chunks: Array<string | Record<string, unknown>>;
  /** True when the upstream stream is finished (e.g. `[DONE]`, `message_stop`). */
  done?: boolean;
}

/** Streaming translation: state is a value passed in and returned, never mutated in place. */
export interface StreamMapper<S = unknown> {
  init(ctx: StreamInit): S;
  next(state: S, event: SseEvent): StreamStep<S>;
}

export interface Provider<S = unknown> {
  readonly type: ProviderType;
  /** Where the type lives when a profile names no `base_url`; undefined when there is no public one. */
  readonly defaultBaseUrl: string | undefined;
  /** Operations this type can serve; others are `unsupported` and the router skips the profile. */
  readonly operations: ReadonlySet<Operation>;
  /**
   * OpenAI request body -> upstream request. Throws `UnsupportedFeatureError` for what the
   * provider cannot do (the router skips to the next profile, or answers 400 naming the field),
   * and `InvalidRequestError` for a body no provider could serve (a 400 naming the field).
   */
  request(op: Operation, body: Record<string, unknown>, ctx: CallContext): UpstreamRequest;
  /**
   * Upstream JSON (parsed) -> OpenAI JSON. `undefined` means the upstream already speaks the
   * OpenAI format and its bytes may be forwarded untouched (the fast path).
   */
  response?(op: Operation, body: unknown, ctx: CallContext): Record<string, unknown>;
  /** Streaming chat translation (upstream SSE -> OpenAI chunks). */
  readonly stream: StreamMapper<S>;
  /**
   * (status, headers, parsed body or text) -> Outcome. 2xx is always `{kind: 'ok'}`. `nowMs` is the
   * clock reading used to turn an HTTP-date `Retry-After` into a duration (kept pure).
   */
  classify(status: number, headers: Record<string, string | string[] | undefined>, body: unknown, nowMs: number): Outcome;
  /** The cheapest authenticated call that proves a key works (Keeper probes). */
  probe(ctx: Omit<CallContext, 'model' | 'stream'>): UpstreamRequest;
  /** The upstream's own model list, in its dialect (`GET /admin/providers/<name>/models`). */
  readonly models: ModelCatalog;
}

/** One model as an upstream lists it; `id` is what a chain's `model` names. */
export interface UpstreamModel {
  id: string;
  display_name?: string;
}

/** One page of an upstream's model list and the cursor of the next page, when there is one. */
export interface ModelPage {
  models: UpstreamModel[];
  cursor?: string;
}

/** A dialect's list-models call, a page at a time. Pure, like every mapper here. */
export interface ModelCatalog {
  /** The request for the first page (no cursor) or the page after the one whose cursor is given. */
  request(ctx: Pick<CallContext, 'profile' | 'key'>, cursor?: string): UpstreamRequest;
  /** A page's answer (parsed JSON) -> its models; a body of another shape yields none. */
  page(body: unknown): ModelPage;
}

export class UnsupportedFeatureError extends Error {
  readonly code = 'unsupported_parameter';
  constructor(
    readonly param: string,
    readonly providerType: ProviderType,
    detail?: string,
  ) {
    super(`'${param}' is not supported by ${providerType} providers${detail ? `: ${detail}` : ''}`);
    this.name = 'UnsupportedFeatureError';
  }
}

/**
 * The body is malformed where the OpenAI format is not negotiable (an `image_url` part without a
 * url, a tool without its `function`): the client's own error, whichever provider serves. The
 * router answers 400 naming `param` and tries no other profile, which would refuse it too.
 */
export class InvalidRequestError extends Error {
  readonly code = 'invalid_request';
  constructor(
    readonly param: string,
    detail: string,
  ) {
    super(`Invalid '${param}': ${detail}`);
    this.name = 'InvalidRequestError';
  }
}

/**
 * An error the upstream put inside an accepted stream (Anthropic's `error` event, Gemini's error
 * object, an OpenAI-shaped `{"error"}` chunk). `status` and `body` are what it would have been as
 * an HTTP answer, so the router judges the key by the provider's own `classify`: a 429 said
 * mid-stream is a rate limit, not a reset.
 */
export class UpstreamStreamError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    message: string,
  ) {
    super(message);
    this.name = 'UpstreamStreamError';
  }
}

/** An upstream answer as the transport hands it over; the body is consumed once (text or iteration). */
export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: AsyncIterable<Uint8Array> & { text(): Promise<string>; bytes(): Promise<Uint8Array> };
}

export interface SendOptions {
  signal?: CancelSignal;
  /** Connect timeout and total (headers + body) timeout for this call. */
  connectTimeoutMs: number;
  timeoutMs: number;
}

/** Moves an `UpstreamRequest` to its upstream: undici in `http/`, in-process for `mock`. */
export interface Transport {
  send(req: UpstreamRequest, opts: SendOptions): Promise<UpstreamResponse>;
}

/** A provider type that answers in-process (the `mock`) carries its own transport. */
export interface InProcessProvider<S = unknown> extends Provider<S> {
  readonly transport: Transport;
}
