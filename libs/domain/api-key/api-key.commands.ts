import type { QuarantineReason } from './api-key.events';

/** Commands carry the time they are decided at (`now`, ISO); the decider never reads a clock. */
export type ApiKeyCommand =
  | { type: 'RegisterKey'; data: { fingerprint: string; provider: string; now: string } }
  | {
      type: 'QuarantineKey';
      data: { fingerprint: string; reason: QuarantineReason; status?: number; until: string; now: string };
    }
  /** Restore a key whose quarantine deadline has passed (timer) or by an admin. */
  | { type: 'RestoreKey'; data: { fingerprint: string; reason: 'deadline_passed' | 'admin'; now: string } }
  | { type: 'RetireKey'; data: { fingerprint: string; reason: string; status?: number; now: string } }
  | {
      type: 'RecordProbe';
      data:
        | { fingerprint: string; ok: true; latencyMs: number; now: string }
        | {
            fingerprint: string;
            ok: false;
            reason: string;
            status?: number;
            /** For a 429: how long to cool down from `now` (the caller fills in the default). */
            retryAfterMs?: number;
            /** For a 429: the deadline itself (ISO); wins over `retryAfterMs`. */
            until?: string;
            now: string;
          };
    }
  | { type: 'RemoveKey'; data: { fingerprint: string; now: string } };
