import type { CancelSignal, Operation } from '@switchboard/providers';
import type { SkipReason } from './circuit-breakers';
import type { Attempt } from './request-record';
import type { RequestTrace } from './request-trace';
import type { RouteAlias } from './route-table';
import type { RoutingDeps } from './routing-deps';
import type { Chunk } from './stream-cursor';

/** A profile passed over without a call (or refused the request before one). */
export interface Skip {
  profile: string;
  reason: SkipReason | 'no_available_key' | 'key_secret_unknown' | 'unsupported';
  param?: string | null;
  message?: string;
}

/**
 * One request on its way down the pipeline: what the client asked, what the path needs (`deps`),
 * and what happened so far. Made once per request by the front end (`openRequest`) and handed to
 * every stage instead of positional parameters; the finished-request record is read from it.
 */
export interface RequestContext {
  readonly op: Operation;
  readonly body: Record<string, unknown>;
  readonly alias: RouteAlias;
  readonly stream: boolean;
  readonly signal: CancelSignal;
  readonly deps: RoutingDeps;
  /** The client's name (its key's), for the record; null on an open gateway. */
  readonly client: string | null;
  /** `performance.now()` when routing began: the origin of the record's durations. */
  readonly startedAt: number;
  /** Epoch ms past which no upstream call starts (`routing.requestDeadlineMs`). */
  readonly deadline: number;
  /** Every upstream call, in order: the 503 body, `x-switchboard-attempts`, the record. */
  readonly attempts: Attempt[];
  /** Profiles passed over in the current pass over the chain. */
  skipped: Skip[];
  /** Keys of this pass the path moved on from; made on the first such key (most requests have none). */
  passedKeys: Set<string> | undefined;
  /** A failure in this pass that time may heal (a quarantine, a circuit in its trial). */
  transient: boolean;
  /** The key being called (its fingerprint), and then the one that answered. */
  key: string;
  /** The current profile's call is its circuit's half-open trial. */
  trial: boolean;
  /** The current call is its key's trial after a cooldown (`KeyPicker.onTrial`): its end must be told. */
  keyTrial: boolean;
  /** `performance.now()` when the current upstream call began: its attempt's `ms`. */
  callStartedAt: number;
  /** A stream's first chunk, ms after `startedAt`. */
  firstChunkMs: number | null;
  /** A stream's last chunk: where its usage is (the client's, or the one asked for on its behalf). */
  lastChunk: Chunk | undefined;
  /**
   * The upstream was asked for the stream's usage chunk on the client's behalf (its tokens are
   * the record's): the relay keeps that chunk from a client that did not ask for it.
   */
  readonly hideUsage: boolean;
  /** Ids and times for the request's spans; only when tracing is on. */
  readonly trace: RequestTrace | undefined;
}

/** `op` is what the upstream is asked for; the front end that translated the request may be another. */
export function openRequest(
  op: Exclude<Operation, 'models'>,
  body: Record<string, unknown>,
  alias: RouteAlias,
  deps: RoutingDeps,
  signal: CancelSignal,
  stream: boolean,
  client: string | null = null,
  trace?: RequestTrace,
): RequestContext {
  const hideUsage = stream && op !== 'embeddings' && !asksForUsage(body);
  return {
    op,
    body: hideUsage ? withUsageRequested(body) : body,
    alias,
    stream,
    signal,
    deps,
    client,
    startedAt: performance.now(),
    deadline: deps.now() + deps.routing.requestDeadlineMs,
    attempts: [],
    skipped: [],
    passedKeys: undefined,
    transient: false,
    key: '',
    trial: false,
    keyTrial: false,
    callStartedAt: 0,
    firstChunkMs: null,
    lastChunk: undefined,
    hideUsage,
    trace,
  };
}

function asksForUsage(body: Record<string, unknown>): boolean {
  const options = body.stream_options as { include_usage?: unknown } | null | undefined;
  return options?.include_usage === true;
}

/**
 * A stream's tokens come only in its final usage chunk, which upstreams send on request: every
 * stream asks (`stream_options.include_usage`), so finished streams carry their usage like any
 * answer. One shallow copy per stream that did not ask; translating adapters read it from here too.
 */
function withUsageRequested(body: Record<string, unknown>): Record<string, unknown> {
  const options = typeof body.stream_options === 'object' && body.stream_options !== null ? body.stream_options : {};
  return { ...body, stream_options: { ...options, include_usage: true } };
}

/** Notes a key the path moves on from, so no later pick of this pass returns it. */
export function passKey(request: RequestContext, fingerprint: string): void {
  (request.passedKeys ??= new Set()).add(fingerprint);
}

/** Starts another pass over the chain (after a backoff): every key and profile is eligible again. */
export function startPass(request: RequestContext): void {
  request.skipped = [];
  request.passedKeys = undefined;
  request.transient = false;
}
