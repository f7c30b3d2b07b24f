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
