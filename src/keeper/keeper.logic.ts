import type { KeyView, ProviderView, QuarantineReason } from '@switchboard/domain';
import type { Outcome } from '@switchboard/providers';
import type { ProbeResult } from '../gateway/core/commands';

/**
 * Keys worth probing: available ones (is the key still good?), those in an ERROR quarantine
 * (a 2xx ends it early) and rate-limited ones whose deadline has passed (the probe may be their
 * trial). A rate-limited quarantine is otherwise the provider's word and is left alone; retired
 * and removed keys are never called again.
 */
export function probeCandidates(keys: readonly KeyView[], nowMs: number): KeyView[] {
  return keys.filter(
    (k) =>
      k.state === 'available' ||
      (k.state === 'quarantined' && (k.reason !== 'rate_limited' || (k.until !== undefined && Date.parse(k.until) <= nowMs))),
  );
}

/**
 * A probe that was a key's trial after its cooldown failed: what quarantine it goes back into,
 * or undefined when the answer says nothing about the key (the probe request itself refused).
 * A rate limit is quarantined by the probe's own record; a 5xx, a timeout or a reset here.
 */
export function failedTrialQuarantine(result: ProbeResult): QuarantineReason | undefined {
  if (result.kind !== 'error') return undefined;
  if (result.reason === 'timeout' || result.reason === 'connection_error') return result.reason;
  return result.status !== undefined && result.status >= 500 ? 'upstream_error' : undefined;
}

/** A profile's probes are due one interval after the last round (the first round one interval after start). */
export function probeDue(lastRoundMs: number, intervalMs: number, nowMs: number): boolean {
  return nowMs - lastRoundMs >= intervalMs;
}

/** Open circuits whose cooldown has passed: time to let one trial request through. */
export function circuitsDueForHalfOpen(providers: readonly ProviderView[], nowMs: number): string[] {
  return providers.filter((p) => p.circuit === 'open' && p.until !== undefined && Date.parse(p.until) <= nowMs).map((p) => p.name);
}

/**
 * What a probe's classified answer means for the key: the provider's verdict, so an invalid key
 * answered with a 400 (Gemini) retires and a quota 402 cools down like a 429.
 */
export function probeResult(outcome: Outcome, latencyMs: number, rateLimitCooldownMs: number): ProbeResult {
  switch (outcome.kind) {
    case 'ok':
      return { kind: 'ok', latencyMs };
    case 'retire':
      return { kind: 'retire', reason: outcome.reason, status: outcome.status };
    case 'quarantine':
      return outcome.rateLimited
        ? {
            kind: 'rate_limited',
            reason: outcome.reason,
            status: outcome.status,
            retryAfterMs: outcome.retryAfterMs ?? rateLimitCooldownMs,
          }
        : { kind: 'error', reason: outcome.reason, status: outcome.status };
    // The probe request itself was refused: that says nothing about the key.
    case 'client_error':
    case 'unsupported':
      return { kind: 'error', reason: outcome.reason, status: outcome.status };
  }
}
