import type { QuarantineReason } from '@switchboard/domain';
import {
  answerOptions,
  errorBodyValue,
  isEventStream,
  type CancelSignal,
  InvalidRequestError,
  UnsupportedFeatureError,
  UpstreamNetworkError,
  UpstreamStreamError,
  type CallContext,
  type Operation,
  type Outcome,
  type UpstreamRequest,
  type UpstreamResponse,
} from '@switchboard/providers';
import { CloseCircuitCommand, HalfOpenCircuitCommand, OpenCircuitCommand, QuarantineKeyCommand, RetireKeyCommand } from '../core/commands';
import { answerAsChunks } from './answer-as-stream';
import { fullJitterDelay, sleep } from './backoff';
import type { SkipReason } from './circuit-breakers';
import type { RouteAlias, RouteTarget } from './route-table';
import type { RoutingDeps } from './routing-deps';
import { openStream, readPrelude, type Chunk, type StreamCursor } from './stream-relay';

/** One upstream call of a request, as the 503 body lists it. `key` is a fingerprint. */
export interface Attempt {
  profile: string;
  model: string;
  key: string;
  /** Upstream HTTP status; null when no answer came (timeout, connection error). */
  status: number | null;
  outcome: 'ok' | 'client_error' | 'retire' | 'quarantine' | 'unsupported';
  reason: string;
}

/** A profile passed over without a call (or refused the request before one). */
export interface Skip {
  profile: string;
  reason: SkipReason | 'no_available_key' | 'unsupported';
  param?: string | null;
  message?: string;
}

interface ServedBase {
  target: RouteTarget;
  fingerprint: string;
  ctx: CallContext;
  status: number;
  headers: UpstreamResponse['headers'];
  attempts: Attempt[];
}

/** A whole upstream answer, read before anything reached the client (so failover stayed possible). */
export interface Served extends ServedBase {
  kind: 'served';
  body: Buffer;
  /** The answer mapped to OpenAI JSON, for a type that does not speak it (passthrough bodies stay bytes). */
  answer?: Record<string, unknown>;
}

/**
 * A streaming answer that has said its first real chunk: from here on the client is committed to
 * it. `pending` are the chunks read so far (written first); the cursor carries on from there.
 */
export interface Streaming extends ServedBase {
  kind: 'streaming';
  pending: Chunk[];
  cursor: StreamCursor;
}

export type RouteResult =
  | Served
  | Streaming
  /** The client's own error: the upstream's status and body, no failover. */
  | {
      kind: 'client_error';
      target: RouteTarget;
      fingerprint: string;
      status: number;
      contentType?: string;
      body: string;
      attempts: Attempt[];
    }
  /**
   * No profile of the chain can do what the request asks (`unsupported_parameter`), or the body is
   * malformed in a way only a mapper saw (`code: 'invalid_request'`): a 400 either way.
   */
  | { kind: 'unsupported'; param: string | null; message: string; code?: string; attempts: Attempt[]; skipped: Skip[] }
  | { kind: 'exhausted'; attempts: Attempt[]; skipped: Skip[]; retryAfterMs?: number }
  /** The client went away; nothing more to say to it. */
  | { kind: 'aborted'; attempts: Attempt[] };

/** Per-request bookkeeping, shared by the helpers below. */
interface Pass {
  readonly attempts: Attempt[];
  skipped: Skip[];
  tried: Set<string>;
  /** A failure in this pass that time may heal (a quarantine, a circuit in its trial). */
  transient: boolean;
  deadline: number;
}

type Step = RouteResult | 'next_key' | 'next_profile';
type Failure = Exclude<Outcome, { kind: 'ok' }>;
type Quarantine = Extract<Outcome, { kind: 'quarantine' }>;

/**
 * The hot path: walks the alias's chain, profile by profile and key by key (failover is
 * immediate), and answers with the first upstream that serves. State changes only on failure,
 * through the rare command. A pass that found only transient failures is repeated after a
 * full-jitter backoff when something in the chain comes back within `retries.maxDelayMs`, at
 * most `retries.maxAttempts` passes and never past `requestDeadlineMs`.
 */
export async function routeRequest(
  op: Operation,
  body: Record<string, unknown>,
  alias: RouteAlias,
  deps: RoutingDeps,
  signal: CancelSignal,
  stream = false,
): Promise<RouteResult> {
  const { retries } = deps.routing;
  const pass: Pass = {
    attempts: [],
    skipped: [],
    tried: new Set(),
    transient: false,
    deadline: deps.now() + deps.routing.requestDeadlineMs,
  };
  for (let round = 1; ; round++) {
    for (const target of alias.chain) {
      const step = await tryProfile(op, body, target, deps, signal, stream, pass);
      if (typeof step === 'object') return step;
      if (signal.aborted) return { kind: 'aborted', attempts: pass.attempts };
    }
    const now = deps.now();
    const comeback = earliestComeback(alias, deps, now);
    if (!pass.transient || round >= retries.maxAttempts || now >= pass.deadline) {
      return giveUp(alias, pass, comeback, now);
    }
    const wait = Math.max(fullJitterDelay(round, retries.baseDelayMs, retries.maxDelayMs, deps.random), (comeback ?? now) - now);
    if (wait > retries.maxDelayMs || now + wait >= pass.deadline) return giveUp(alias, pass, comeback, now);
    await sleep(wait, signal);
    if (signal.aborted) return { kind: 'aborted', attempts: pass.attempts };
    pass.skipped = [];
    pass.tried = new Set();
    pass.transient = false;
  }
}

async function tryProfile(
  op: Operation,
  body: Record<string, unknown>,
  target: RouteTarget,
  deps: RoutingDeps,
  signal: CancelSignal,
  stream: boolean,
  pass: Pass,
): Promise<Step> {
  const name = target.name;
  if (!target.provider.operations.has(op)) {
    pass.skipped.push({
      profile: name,
      reason: 'unsupported',
      param: null,
      message: `${target.profile.type} providers cannot serve ${op}`,
    });
    return 'next_profile';
  }
  const admission = deps.circuits.admit(name, deps.health.get(name), deps.now());
  if (!admission.pass) {
    pass.skipped.push({ profile: name, reason: admission.reason });
    if (admission.reason !== 'disabled') pass.transient = true;
    return 'next_profile';
  }
  if (!admission.trial) return tryKeys(op, body, target, deps, signal, stream, pass, false);
  try {
    if (admission.halfOpenFirst) await send(deps, new HalfOpenCircuitCommand(name));
    return await tryKeys(op, body, target, deps, signal, stream, pass, true);
  } finally {
    deps.circuits.release(name);
  }
}

async function tryKeys(
  op: Operation,
  body: Record<string, unknown>,
  target: RouteTarget,
  deps: RoutingDeps,
  signal: CancelSignal,
  stream: boolean,
  pass: Pass,
  trial: boolean,
): Promise<Step> {
  // What the client asked of the answer's shape, and its date, for mappers whose upstream never sees the body.
  const options = answerOptions(body, deps.now());
  for (let called = 0; ; called++) {
    const now = deps.now();
    if (now >= pass.deadline) return 'next_profile';
    const key = deps.keys.pick(target.name, now, pass.tried);
    if (!key) {
      if (called === 0) pass.skipped.push({ profile: target.name, reason: 'no_available_key' });
      if (called === 0 && deps.keys.earliestAvailableAt([target.name], now) !== undefined) pass.transient = true;
      return 'next_profile';
    }
    pass.tried.add(key.fingerprint);
    const secret = deps.secrets.secret(key.fingerprint);
    // Registered in the store but unknown to this process (its keys file changed): not ours to use.
    if (secret === undefined) continue;
    const ctx: CallContext = { profile: target.profile, model: target.model, key: secret, stream, ...options };
    let request: UpstreamRequest;
    try {
      request = target.provider.request(op, body, ctx);
    } catch (error) {
      // A feature this type lacks: the next profile may have it (a 400 names it when none does).
      if (error instanceof UnsupportedFeatureError) {
        pass.skipped.push({ profile: target.name, reason: 'unsupported', param: error.param, message: error.message });
        return 'next_profile';
      }
      return invalidRequest(target, error, pass, deps);
    }
    const step = await call(op, target, key.fingerprint, ctx, request, deps, signal, pass, trial);
    if (step !== 'next_key') return step;
  }
}

async function call(
  op: Operation,
  target: RouteTarget,
  fingerprint: string,
  ctx: CallContext,
  request: UpstreamRequest,
  deps: RoutingDeps,
  signal: CancelSignal,
  pass: Pass,
  trial: boolean,
): Promise<Step> {
  const started = deps.now();
  let res: UpstreamResponse | undefined;
  let outcome: Failure;
  try {
    res = await target.transport.send(request, {
      signal,
      connectTimeoutMs: target.profile.connectTimeoutMs,
      timeoutMs: Math.min(target.profile.timeoutMs, pass.deadline - started),
    });
    if (res.status >= 200 && res.status < 300) {
      return await succeed(await readAnswer(op, target, fingerprint, ctx, res, pass.attempts), deps, trial);
    }
    const text = await res.body.text();
    const classified = target.provider.classify(res.status, res.headers, errorBodyValue(text), deps.now());
    outcome =
      classified.kind === 'ok' ? { kind: 'quarantine', status: res.status, reason: 'upstream_error', rateLimited: false } : classified;
    if (outcome.kind === 'client_error') {
      record(pass, target, fingerprint, res.status, outcome.kind, outcome.reason, deps);
      return clientError(target, fingerprint, res.status, contentTypeOf(res.headers), text, pass.attempts);
    }
  } catch (error) {
    if (signal.aborted) return { kind: 'aborted', attempts: pass.attempts };
    outcome = failureOutcome(error, target, res, deps);
    // An error event before the stream's first chunk that is the client's own (a 400 said as SSE):
    // nothing reached the client yet, so it gets the error as the HTTP answer it stands for.
    if (outcome.kind === 'client_error') {
      record(pass, target, fingerprint, outcome.status, outcome.kind, outcome.reason, deps);
      const body = error instanceof UpstreamStreamError ? error.body : { error: { message: outcome.reason } };
      return clientError(target, fingerprint, outcome.status, 'application/json', JSON.stringify(body), pass.attempts);
    }
  }
  record(pass, target, fingerprint, outcome.status || null, outcome.kind, outcome.reason, deps);
  return fail(outcome, target, fingerprint, deps, pass, trial);
}

/**
 * Reads what must arrive before the client sees a byte: the whole body (mapped to OpenAI JSON when
 * the type needs it), or a stream's opening up to its first real chunk. Throws for an answer that
 * is the upstream's failure (unmappable JSON, an error event, a cut-off), so the caller fails over.
 */
async function readAnswer(
  op: Operation,
  target: RouteTarget,
  fingerprint: string,
  ctx: CallContext,
  res: UpstreamResponse,
  attempts: Attempt[],
): Promise<Served | Streaming> {
  const base = { target, fingerprint, ctx, status: res.status, headers: res.headers, attempts };
  if (ctx.stream && isEventStream(res.headers['content-type'])) {
    const cursor = openStream(target, ctx, res.body);
    return { kind: 'streaming', ...base, pending: await readPrelude(cursor), cursor };
  }
  const body = await readBody(res.body);
  const answer = target.passthrough && !ctx.stream ? undefined : mapAnswer(op, target, ctx, body);
  if (!ctx.stream) return { kind: 'served', ...base, body, ...(answer ? { answer } : {}) };
  // `stream: true` answered with plain JSON: the client still gets its answer, as a stream.
  const pending = answerAsChunks(answer);
  if (!pending) {
    throw new UpstreamAnswerError('not_a_stream', `answered stream: true with ${contentTypeOf(res.headers) ?? 'no content type'}`);
  }
  return { kind: 'streaming', ...base, pending, cursor: { ...openStream(target, ctx, EMPTY_BODY), finished: true } };
}

/** A 2xx body as OpenAI JSON; a body that is not JSON or that the type's mapper rejects is the upstream's failure. */
function mapAnswer(op: Operation, target: RouteTarget, ctx: CallContext, body: Buffer): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new UpstreamAnswerError('malformed_answer', 'answered 2xx with a body that is not JSON');
  }
  if (target.passthrough || !target.provider.response) return parsed as Record<string, unknown>;
  try {
    return target.provider.response(op, parsed, ctx);
  } catch (error) {
    throw new UpstreamAnswerError(
      'malformed_answer',
      `answered 2xx with a body the ${target.profile.type} mapper rejects (${describeError(error)})`,
    );
  }
}

async function succeed(served: Served | Streaming, deps: RoutingDeps, trial: boolean): Promise<Served | Streaming> {
  const name = served.target.name;
  served.attempts.push({
    profile: name,
    model: served.target.model,
    key: served.fingerprint,
    status: served.status,
    outcome: 'ok',
    reason: 'ok',
  });
  deps.metrics?.upstreamAttempt(name, 'ok');
  deps.circuits.succeeded(name);
  if (trial) await send(deps, new CloseCircuitCommand(name));
  return served;
}

async function fail(
  outcome: Failure,
  target: RouteTarget,
  fingerprint: string,
  deps: RoutingDeps,
  pass: Pass,
  trial: boolean,
): Promise<Step> {
  const name = target.name;
  switch (outcome.kind) {
    case 'client_error':
      return 'next_key';
    case 'unsupported':
      pass.skipped.push({ profile: name, reason: 'unsupported', param: outcome.param, message: outcome.reason });
      return 'next_profile';
    case 'retire':
      await send(deps, new RetireKeyCommand(fingerprint, outcome.reason, outcome.status || undefined));
      return 'next_key';
    case 'quarantine': {
      pass.transient = true;
      const now = deps.now();
      const { routing } = deps;
      const coolMs = outcome.retryAfterMs ?? (outcome.rateLimited ? routing.rateLimitCooldownMs : routing.errorCooldownMs);
      await send(
        deps,
        new QuarantineKeyCommand(fingerprint, quarantineReason(outcome), new Date(now + coolMs), outcome.status || undefined),
      );
      if (outcome.rateLimited) return 'next_key';
      const failures = trial ? Math.max(1, deps.circuits.consecutiveFailures(name)) : deps.circuits.failed(name);
      if (failures === undefined) return 'next_key';
      await send(deps, new OpenCircuitCommand(name, failures, new Date(now + routing.circuit.cooldownMs)));
      return 'next_profile';
    }
  }
}

function quarantineReason(outcome: Quarantine): QuarantineReason {
  if (outcome.rateLimited) return 'rate_limited';
  return NETWORK_REASONS[outcome.reason] ?? 'upstream_error';
}

/**
 * A stream that broke after the client got its first bytes cannot fail over, but the key and the
 * profile still answer for it like for any other failure: a reset or cut-off like a reset, an
 * error event through the provider's own classification (a mid-stream rate limit cools the key
 * down until its deadline without counting toward the circuit).
 */
export async function reportStreamFailure(streaming: Streaming, error: unknown, deps: RoutingDeps): Promise<Attempt> {
  const outcome = failureOutcome(error, streaming.target, streaming, deps);
  const pass: Pass = { attempts: [], skipped: [], tried: new Set(), transient: false, deadline: Infinity };
  record(pass, streaming.target, streaming.fingerprint, outcome.status || null, outcome.kind, outcome.reason, deps);
  await fail(outcome, streaming.target, streaming.fingerprint, deps, pass, false);
  return pass.attempts[0];
}

/** An answer that came with a 2xx and is still the upstream's failure (not JSON, not a stream). */
class UpstreamAnswerError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'UpstreamAnswerError';
  }
}

/** The attempt reasons of network failures, and the quarantine reason each is stored as. */
const NETWORK_REASONS: Record<string, QuarantineReason> = {
  timeout: 'timeout',
  connect_timeout: 'timeout',
  connection_error: 'connection_error',
  incomplete_stream: 'connection_error',
};

/**
 * What a thrown failure means for the key. Network errors are timeouts or resets; an error that
 * carries an HTTP status (a provider's stream error event: Anthropic's 429 `rate_limit_error`,
 * 529 `overloaded_error`, an OpenAI-shaped `{"error"}` chunk) goes through the provider's own
 * classification with the response's headers; anything else is the upstream's error.
 */
function failureOutcome(
  error: unknown,
  target: RouteTarget,
  res: Pick<UpstreamResponse, 'status' | 'headers'> | undefined,
  deps: RoutingDeps,
): Failure {
  if (error instanceof UpstreamNetworkError) {
    const reason =
      error.causeCode === 'UND_ERR_CONNECT_TIMEOUT'
        ? 'connect_timeout'
        : error.causeCode === 'STREAM_CUT_OFF'
          ? 'incomplete_stream'
          : error.kind;
    return { kind: 'quarantine', status: 0, reason, rateLimited: false };
  }
  if (error instanceof UpstreamAnswerError) {
    return { kind: 'quarantine', status: res?.status ?? 0, reason: error.reason, rateLimited: false };
  }
  if (error instanceof UpstreamStreamError) {
    const classified = target.provider.classify(error.status, res?.headers ?? {}, error.body, deps.now());
    if (classified.kind !== 'ok') return classified;
  }
  deps.warn(`${target.name}: upstream answer failed: ${describeError(error)}`);
  return { kind: 'quarantine', status: res?.status ?? 0, reason: 'upstream_error', rateLimited: false };
}

/**
 * The body passed validation but the mapper refused it as malformed (`InvalidRequestError`), or
 * failed on it: the client's error whichever profile serves, so a 400 naming the field when the
 * mapper names one, and no other profile is tried. Never a 500: nothing the client sends may crash
 * the request path. A mapper that fails rather than refusing is logged, since it wants a fix.
 */
function invalidRequest(target: RouteTarget, error: unknown, pass: Pass, deps: RoutingDeps): RouteResult {
  const refused = error instanceof InvalidRequestError;
  if (!refused) deps.warn(`${target.name}: the ${target.profile.type} mapper failed on a validated body: ${describeError(error)}`);
  return {
    kind: 'unsupported',
    code: 'invalid_request',
    param: refused ? error.param : null,
    message: refused
      ? error.message
      : `The request body cannot be translated for ${target.profile.type} providers (${describeError(error)}).`,
    attempts: pass.attempts,
    skipped: pass.skipped,
  };
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message.slice(0, 200)}` : String(error).slice(0, 200);
}

function record(
  pass: Pass,
  target: RouteTarget,
  fingerprint: string,
  status: number | null,
  outcome: Attempt['outcome'],
  reason: string,
  deps: RoutingDeps,
): void {
  pass.attempts.push({ profile: target.name, model: target.model, key: fingerprint, status, outcome, reason });
  deps.metrics?.upstreamAttempt(target.name, outcome === 'quarantine' ? reason : outcome);
}

function clientError(
  target: RouteTarget,
  fingerprint: string,
  status: number,
  contentType: string | undefined,
  body: string,
  attempts: Attempt[],
): RouteResult {
  return { kind: 'client_error', target, fingerprint, status, body, attempts, ...(contentType ? { contentType } : {}) };
}

function contentTypeOf(headers: UpstreamResponse['headers']): string | undefined {
  const type = headers['content-type'];
  return Array.isArray(type) ? type[0] : type;
}

/** The body of an answer already read whole (`stream: true` answered with JSON): nothing more to come. */
const EMPTY_BODY: UpstreamResponse['body'] = {
  async *[Symbol.asyncIterator]() {},
  text: async () => '',
  bytes: async () => new Uint8Array(),
};

/** A command failing to persist must not fail the request: the next request just decides again. */
async function send(deps: RoutingDeps, command: object): Promise<void> {
  try {
    await deps.commands.execute(command);
  } catch (error) {
    deps.warn(`${command.constructor.name} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** When the first key or circuit of the chain comes back (epoch ms), if any is cooling down. */
function earliestComeback(alias: RouteAlias, deps: RoutingDeps, now: number): number | undefined {
  let earliest = deps.keys.earliestAvailableAt(alias.profiles, now);
  for (const name of alias.profiles) {
    const view = deps.health.get(name);
    if (view?.circuit !== 'open' || !view.enabled || view.until === undefined) continue;
    const until = Date.parse(view.until);
    if (until > now && (earliest === undefined || until < earliest)) earliest = until;
  }
  return earliest;
}

function giveUp(alias: RouteAlias, pass: Pass, comeback: number | undefined, now: number): RouteResult {
  const { attempts, skipped } = pass;
  const unsupported = skipped.filter((s) => s.reason === 'unsupported');
  if (attempts.length === 0 && unsupported.length > 0 && unsupported.length === alias.chain.length) {
    const first = unsupported[0];
    return {
      kind: 'unsupported',
      param: first.param ?? null,
      message: unsupported.map((s) => `${s.message} (profile ${s.profile})`).join('; '),
      attempts,
      skipped,
    };
  }
  return { kind: 'exhausted', attempts, skipped, ...(comeback !== undefined && comeback > now ? { retryAfterMs: comeback - now } : {}) };
}

async function readBody(body: UpstreamResponse['body']): Promise<Buffer> {
  const bytes = await body.bytes();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
