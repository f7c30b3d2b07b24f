/** Read models the hot path and the admin API read. Built by `evolve`-style projections. */
export type KeyState = 'available' | 'quarantined' | 'retired' | 'removed';

export interface KeyView {
  fingerprint: string;
  provider: string;
  state: KeyState;
  /** Quarantine deadline (ISO), while quarantined. */
  until?: string;
  /** Why it is quarantined or retired. */
  reason?: string;
  /** HTTP status that caused the quarantine / retirement, when there was one. */
  status?: number;
  /** `at` of the last event applied to this key (ISO). */
  updatedAt: string;
  /**
   * The last probe this process knows of: its own keeper's (kept in memory, since a success on an
   * available key appends nothing) or a recorded ProbeSucceeded/ProbeFailed.
   */
  lastProbe?: ProbeNote;
}

/**
 * Where a key that is not quarantined stands on its way back into rotation, in this process's
 * memory (not an event): `cooling` (out since its last 429/5xx, its quarantine being stored),
 * `half_open` (its deadline passed: the next call is its trial), `on_trial` (that call is out),
 * `ramping` (back, its share of the picks still rising; `share` from 0 to 1).
 */
export interface KeyRotation {
  rotation: 'cooling' | 'half_open' | 'on_trial' | 'ramping';
  share?: number;
}

export interface ProbeNote {
  /** When the probe answered (ISO). */
  at: string;
  ok: boolean;
  /** How long the probe's round trip took, when it got an answer. */
  latencyMs?: number;
}

export type CircuitState = 'closed' | 'open' | 'half_open';

export interface ProviderView {
  name: string;
  type: string;
  circuit: CircuitState;
  /** While open: when it may half-open (ISO). */
  until?: string;
  enabled: boolean;
  updatedAt: string;
}
