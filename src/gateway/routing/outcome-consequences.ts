import type { QuarantineReason } from '@switchboard/domain';
import { UpstreamNetworkError, UpstreamStreamError, type Outcome, type UpstreamResponse } from '@switchboard/providers';
import { DomainCommand, type GatewayCommand } from '../core/commands';
import type { RequestContext } from './request-context';
import type { Attempt } from './request-record';
import type { Fallthrough, Served, Streaming } from './route-result';
import type { RouteTarget } from './route-table';
import type { RoutingDeps } from './routing-deps';
import { scrubSecrets } from './scrub-secrets';
import { describeError, UpstreamAnswerError } from './upstream-answer';

/**
 * What an upstream call's outcome changes beyond this request: the attempt list and its metric,
 * the in-memory circuit counters, and (only on failure, or a trial's end) the command that stores
 * the key's or the profile's new state. Success appends no event.
 */

export type Failure = Exclude<Outcome, { kind: 'ok' }>;
type Quarantine = Extract<Outcome, { kind: 'quarantine' }>;

/** Adds one call to the request's attempts (and the attempt metric); `ms` runs from `request.callStartedAt`. */
export function noteAttempt(
  request: RequestContext,
  target: RouteTarget,
  status: number | null,
  outcome: Attempt['outcome'],
  reason: string,
): void {
  const ms = performance.now() - request.callStartedAt;
  request.attempts.push({ profile: target.name, model: target.model, key: request.key, status, outcome, reason, ms });
  request.trace?.attemptNoted();
  request.deps.metrics?.upstreamAttempt(target.name, outcome === 'quarantine' ? reason : outcome);
}

/**
 * The failure with a reason that names no key of the profile: a reason can carry the upstream's
 * words (a 4xx message), and it reaches the client (503 attempts, a stream's error event), the
 * log and, for a retirement, an event.
 */
export function withoutSecrets(request: RequestContext, target: RouteTarget, outcome: Failure): Failure {
  const reason = scrubSecrets(outcome.reason, request.deps.secrets, target.name, request.key);
  return reason === outcome.reason ? outcome : { ...outcome, reason };
}

/**
 * The answer is the client's: the attempt is noted, the circuit's failure count resets, a trial
 * closes it, and a key's trial after its cooldown puts the key back (in memory at once, then stored).
 */
export async function confirmServed(request: RequestContext, served: Served | Streaming): Promise<Served | Streaming> {
  const name = served.target.name;
  noteAttempt(request, served.target, served.status, 'ok', 'ok');
  request.deps.circuits.succeeded(name);
  if (request.keyTrial) {
    endKeyTrial(request, true);
    await persist(request.deps, { type: 'RestoreKey', data: { fingerprint: request.key, reason: 'trial_succeeded' } });
  }
  if (request.trial) await persist(request.deps, { type: 'CloseCircuit', data: { name } });
  return served;
}

/** Ends the current key's trial, if it is one: only a success puts the key back. */
export function endKeyTrial(request: RequestContext, succeeded: boolean): void {
  if (!request.keyTrial) return;
  request.keyTrial = false;
  request.deps.keys.endTrial(request.key, request.deps.now(), succeeded);
}

/** A profile's circuit lets this request be its trial after the cooldown: say so before calling. */
export function openTrial(request: RequestContext, profile: string): Promise<void> {
  return persist(request.deps, { type: 'HalfOpenCircuit', data: { name: profile } });
}

/**
 * A failed call's consequences for the key and the profile, and where the request goes next:
 * a dead key is retired, a troubled one quarantined (and, unless rate limited, counted toward the
 * profile's circuit, which opens at the threshold or when a trial fails).
 */
export async function applyFailure(request: RequestContext, target: RouteTarget, outcome: Failure): Promise<Fallthrough> {
  const { deps } = request;
  const name = target.name;
  switch (outcome.kind) {
    case 'client_error':
      return 'next_key';
    case 'unsupported':
      request.skipped.push({ profile: name, reason: 'unsupported', param: outcome.param, message: outcome.reason });
      return 'next_profile';
    case 'retire':
      await persist(deps, {
        type: 'RetireKey',
        data: { fingerprint: request.key, reason: outcome.reason, status: outcome.status || undefined },
      });
      return 'next_key';
    case 'quarantine': {
      request.transient = true;
      const now = deps.now();
      const { routing } = deps;
      const coolMs = outcome.retryAfterMs ?? (outcome.rateLimited ? routing.rateLimitCooldownMs : routing.errorCooldownMs);
      // Out of rotation now: the requests starting while the command is stored must not call it.
      deps.keys.coolDown(request.key, now + coolMs);
      endKeyTrial(request, false);
      await persist(deps, {
        type: 'QuarantineKey',
        data: {
          fingerprint: request.key,
          reason: quarantineReason(outcome),
          until: new Date(now + coolMs).toISOString(),
          status: outcome.status || undefined,
        },
      });
      if (outcome.rateLimited) return 'next_key';
      const failures = request.trial ? Math.max(1, deps.circuits.consecutiveFailures(name)) : deps.circuits.failed(name);
      if (failures === undefined) return 'next_key';
      await persist(deps, {
        type: 'OpenCircuit',
        data: { name, failures, until: new Date(now + routing.circuit.cooldownMs).toISOString() },
      });
      return 'next_profile';
    }
  }
}

/**
 * A stream that broke after the client got its first bytes cannot fail over, but the key and the
 * profile still answer for it like for any other failure: a reset or cut-off like a reset, an
 * error event through the provider's own classification (a mid-stream rate limit cools the key
 * down until its deadline without counting toward the circuit). The failure is the request's
 * last attempt.
 */
export async function settleStreamFailure(request: RequestContext, streaming: Streaming, error: unknown): Promise<Attempt> {
  request.key = streaming.fingerprint;
  const outcome = withoutSecrets(request, streaming.target, failureOutcome(request.deps, streaming.target, streaming, error));
  request.trial = false;
  noteAttempt(request, streaming.target, outcome.status || null, outcome.kind, outcome.reason);
  await applyFailure(request, streaming.target, outcome);
  return request.attempts[request.attempts.length - 1];
}

/** The attempt reasons of network failures, and the quarantine reason each is stored as. */
const NETWORK_REASONS: Record<string, QuarantineReason> = {
  timeout: 'timeout',
  connect_timeout: 'timeout',
  connection_error: 'connection_error',
  incomplete_stream: 'connection_error',
};

function quarantineReason(outcome: Quarantine): QuarantineReason {
  if (outcome.rateLimited) return 'rate_limited';
  return NETWORK_REASONS[outcome.reason] ?? 'upstream_error';
}

/**
 * What a thrown failure means for the key. Network errors are timeouts or resets; an error that
 * carries an HTTP status (a provider's stream error event: Anthropic's 429 `rate_limit_error`,
 * 529 `overloaded_error`, an OpenAI-shaped `{"error"}` chunk) goes through the provider's own
 * classification with the response's headers; anything else is the upstream's error.
 */
export function failureOutcome(
  deps: RoutingDeps,
  target: RouteTarget,
  res: Pick<UpstreamResponse, 'status' | 'headers'> | undefined,
  error: unknown,
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

/** A command failing to persist must not fail the request: the next request just decides again. */
async function persist(deps: RoutingDeps, command: GatewayCommand): Promise<void> {
  try {
    await deps.commands.execute(new DomainCommand(command));
  } catch (error) {
    deps.warn(`${command.type} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
