import type { QuarantineReason } from '@switchboard/domain';
import {
  errorBodyValue,
  UnsupportedFeatureError,
  UpstreamNetworkError,
  type CallContext,
  type Operation,
  type Outcome,
  type UpstreamRequest,
  type UpstreamResponse,
} from '@switchboard/providers';
import { CloseCircuitCommand, HalfOpenCircuitCommand, OpenCircuitCommand, QuarantineKeyCommand, RetireKeyCommand } from '../core/commands';
import { fullJitterDelay, sleep } from './backoff';
import type { SkipReason } from './circuit-breakers';
import type { RouteAlias, RouteTarget } from './route-table';
import type { RoutingDeps } from './routing-deps';

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
}

/** A streaming answer whose first bytes arrived: from here on the client is committed to it. */
export interface Streaming extends ServedBase {
  kind: 'streaming';
  first: Uint8Array;
  rest: AsyncIterator<Uint8Array>;
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
  /** No profile of the chain can do what the request asks. */
  | { kind: 'unsupported'; param: string | null; message: string; attempts: Attempt[]; skipped: Skip[] }
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
  signal: AbortSignal,
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
  signal: AbortSignal,
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
  signal: AbortSignal,
  stream: boolean,
  pass: Pass,
  trial: boolean,
): Promise<Step> {
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
    const ctx: CallContext = { profile: target.profile, model: target.model, key: secret, stream };
    let request: UpstreamRequest;
    try {
      request = target.provider.request(op, body, ctx);
    } catch (error) {
      if (!(error instanceof UnsupportedFeatureError)) throw error;
      pass.skipped.push({ profile: target.name, reason: 'unsupported', param: error.param, message: error.message });
      return 'next_profile';
    }
    const step = await call(target, key.fingerprint, ctx, request, deps, signal, pass, trial);
    if (step !== 'next_key') return step;
  }
}

async function call(
  target: RouteTarget,
  fingerprint: string,
  ctx: CallContext,
  request: UpstreamRequest,
  deps: RoutingDeps,
  signal: AbortSignal,
  pass: Pass,
  trial: boolean,
): Promise<Step> {
  const started = deps.now();
  let outcome: Failure;
  let status: number | null = null;
  try {
    const res = await target.transport.send(request, {
      signal,
      connectTimeoutMs: target.profile.connectTimeoutMs,
      timeoutMs: Math.min(target.profile.timeoutMs, pass.deadline - started),
    });
    status = res.status;
    if (res.status >= 200 && res.status < 300) {
      const served = await readAnswer(target, fingerprint, ctx, res, pass.attempts);
      if (served) return succeed(served, deps, trial);
      outcome = { kind: 'quarantine', status: res.status, reason: 'upstream_error', rateLimited: false };
    } else {
      const text = await res.body.text();
      const classified = target.provider.classify(res.status, res.headers, errorBodyValue(text), deps.now());
      outcome =
        classified.kind === 'ok' ? { kind: 'quarantine', status: res.status, reason: 'upstream_error', rateLimited: false } : classified;
      if (outcome.kind === 'client_error') {
        record(pass, target, fingerprint, status, outcome.kind, outcome.reason, deps);
        return clientError(target, fingerprint, res, text, pass.attempts);
      }
    }
  } catch (error) {
    if (signal.aborted) return { kind: 'aborted', attempts: pass.attempts };
    outcome = networkOutcome(error, deps);
  }
  record(pass, target, fingerprint, status, outcome.kind, outcome.reason, deps);
  return fail(outcome, target, fingerprint, deps, pass, trial);
}

/**
 * Reads what must arrive before the client sees a byte: the whole body, or a stream's first piece.
 * Undefined when a stream ended before saying anything (the upstream's failure: fail over).
 */
async function readAnswer(
  target: RouteTarget,
  fingerprint: string,
  ctx: CallContext,
  res: UpstreamResponse,
  attempts: Attempt[],
): Promise<Served | Streaming | undefined> {
  const base = { target, fingerprint, ctx, status: res.status, headers: res.headers, attempts };
  if (!ctx.stream) return { kind: 'served', ...base, body: await readBody(res.body) };
  const rest = res.body[Symbol.asyncIterator]();
  const first = await rest.next();
  if (first.done) return undefined;
  return { kind: 'streaming', ...base, first: first.value, rest };
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
  if (outcome.reason === 'timeout' || outcome.reason === 'connection_error') return outcome.reason;
  return 'upstream_error';
}

/**
 * A stream that broke after the client got its first bytes cannot fail over, but the key and the
 * profile still answer for it like for any other reset or timeout.
 */
export async function reportStreamFailure(streaming: Streaming, error: unknown, deps: RoutingDeps): Promise<Attempt> {
  const outcome = networkOutcome(error, deps);
  const pass: Pass = { attempts: [], skipped: [], tried: new Set(), transient: false, deadline: Infinity };
  record(pass, streaming.target, streaming.fingerprint, null, outcome.kind, outcome.reason, deps);
  await fail(outcome, streaming.target, streaming.fingerprint, deps, pass, false);
  return pass.attempts[0];
}

function networkOutcome(error: unknown, deps: RoutingDeps): Quarantine {
  if (error instanceof UpstreamNetworkError) {
    return { kind: 'quarantine', status: 0, reason: error.kind, rateLimited: false };
  }
  deps.warn(`upstream call failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`);
  return { kind: 'quarantine', status: 0, reason: 'connection_error', rateLimited: false };
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

function clientError(target: RouteTarget, fingerprint: string, res: UpstreamResponse, body: string, attempts: Attempt[]): RouteResult {
  const type = res.headers['content-type'];
  const contentType = Array.isArray(type) ? type[0] : type;
  return { kind: 'client_error', target, fingerprint, status: res.status, body, attempts, ...(contentType ? { contentType } : {}) };
}

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

async function readBody(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const piece of body) parts.push(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}
