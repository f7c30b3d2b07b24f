import type { KeyView, ProviderView } from '@switchboard/domain';
import type { Outcome } from '@switchboard/providers';
import type { ProbeResult } from '../gateway/core/commands';

/**
 * Keys worth probing: available ones (is the key still good?) and those in an ERROR quarantine
 * (a 2xx ends it early). A rate-limited quarantine is the provider's word and is left alone;
 * retired and removed keys are never called again.
 */
export function probeCandidates(keys: readonly KeyView[]): KeyView[] {
  return keys.filter((k) => k.state === 'available' || (k.state === 'quarantined' && k.reason !== 'rate_limited'));
}

/** A profile's probes are due one interval after the last round (the first round one interval after start). */
export function probeDue(lastRoundMs: number, intervalMs: number, nowMs: number): boolean {
  return nowMs - lastRoundMs >= intervalMs;
}

/** Open circuits whose cooldown has passed: time to let one trial request through. */
export function circuitsDueForHalfOpen(providers: readonly ProviderView[], nowMs: number): string[] {
  return providers.filter((p) => p.circuit === 'open' && p.until !== undefined && Date.parse(p.until) <= nowMs).map((p) => p.name);
}

/** What a probe's classified answer means for the key. */
export function probeResult(outcome: Outcome, latencyMs: number, rateLimitCooldownMs: number): ProbeResult {
  switch (outcome.kind) {
    case 'ok':
      return { ok: true, latencyMs };
    case 'quarantine':
      return outcome.rateLimited
        ? { ok: false, reason: outcome.reason, status: outcome.status, retryAfterMs: outcome.retryAfterMs ?? rateLimitCooldownMs }
        : { ok: false, reason: outcome.reason, status: outcome.status };
    case 'retire':
    case 'client_error':
    case 'unsupported':
      return { ok: false, reason: outcome.reason, status: outcome.status };
  }
}
