import type { QuarantineReason } from './api-key.events';

/**
 * A probe's answer by the provider's verdict, not by its raw status: Gemini says an invalid key
 * with a 400, Cohere a spent quota with a 402, and the provider's classifier knows which is which.
 */
export type ProbeResult =
  | { kind: 'ok'; latencyMs: number }
  /** The key is dead (401/403, or an invalid-key answer): retire it. */
  | { kind: 'retire'; reason: string; status?: number }
  /** Rate limit or quota: cool down for `retryAfterMs` from `now` (the caller fills in the default). */
  | { kind: 'rate_limited'; reason: string; status?: number; retryAfterMs: number }
  /** 5xx, timeout, connection error, or an answer that says nothing about the key. */
  | { kind: 'error'; reason: string; status?: number };

/** Commands carry the time they are decided at (`now`, ISO); the decider never reads a clock. */
export type ApiKeyCommand =
  | { type: 'RegisterKey'; data: { fingerprint: string; provider: string; now: string } }
  | {
      type: 'QuarantineKey';
      data: { fingerprint: string; reason: QuarantineReason; status?: number; until: string; now: string };
    }
  /** Restore a key whose quarantine deadline has passed (timer), whose trial call succeeded, or by an admin. */
  | { type: 'RestoreKey'; data: { fingerprint: string; reason: 'deadline_passed' | 'trial_succeeded' | 'admin'; now: string } }
  | { type: 'RetireKey'; data: { fingerprint: string; reason: string; status?: number; now: string } }
  /** What the Keeper's probe of the key found, as the provider classified the answer. */
  | { type: 'RecordProbe'; data: { fingerprint: string; result: ProbeResult; now: string } }
  | { type: 'RemoveKey'; data: { fingerprint: string; now: string } };
