/**
 * Facts about one API key, stream `apikey-<fingerprint>`. Small, JSON-safe (ISO strings), versioned
 * by type name, and never carrying the secret: the fingerprint is the key's only identity.
 */
export type QuarantineReason =
  /** 429 / quota: the deadline is the provider's word, no probe ends it early. */
  | 'rate_limited'
  /** 5xx, overloaded: short, ended early by a successful probe. */
  | 'upstream_error'
  | 'timeout'
  | 'connection_error';

/**
 * `deadline_passed`: the cooldown is over, which says nothing of the key yet (the pool keeps it
 * half-open until a trial call succeeds); `trial_succeeded`: that trial, a request's call after the
 * deadline, was answered.
 */
export type RestoreReason = 'deadline_passed' | 'trial_succeeded' | 'probe_succeeded' | 'admin';

export type ApiKeyEvent =
  | { type: 'KeyRegistered'; data: { fingerprint: string; provider: string } }
  | {
      type: 'KeyQuarantined';
      data: { fingerprint: string; reason: QuarantineReason; status?: number; until: string };
    }
  | { type: 'KeyRestored'; data: { fingerprint: string; reason: RestoreReason } }
  | { type: 'KeyRetired'; data: { fingerprint: string; reason: string; status?: number } }
  | { type: 'ProbeSucceeded'; data: { fingerprint: string; latencyMs: number } }
  | { type: 'ProbeFailed'; data: { fingerprint: string; reason: string; status?: number } }
  | { type: 'KeyRemoved'; data: { fingerprint: string } };
