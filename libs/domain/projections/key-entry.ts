import type { ApiKeyEvent } from '../api-key/api-key.events';
import type { KeyView, ProbeNote } from './views';

/** One key in the key pool: its view, and where it is on its way back after a cooldown. */
export interface KeyEntry {
  /** A snapshot, replaced (never mutated) on every change, so a caller may keep it. */
  view: KeyView;
  /**
   * Cooldown deadline in epoch ms; 0 when the key is in rotation. Once passed (and until a
   * trial, a probe or an admin puts the key back) the key is half-open.
   */
  untilMs: number;
  /** A half-open key's one trial call is in flight: every other pick skips the key. */
  onTrial: boolean;
  /** When the key came back (epoch ms) while its share still ramps up; 0 once at full share. */
  rampFromMs: number;
  /** A ramping key's accumulated share of the picks that reached it: it serves each time this reaches 1. */
  rampCredit: number;
}

export function newEntry(view: KeyView, untilMs: number): KeyEntry {
  return { view, untilMs, onTrial: false, rampFromMs: 0, rampCredit: 0 };
}

/**
 * What one event (other than KeyRegistered) does to a key's entry, stamped `updatedAt`, and
 * whether the key joins its profile's pool, leaves it, or stays where it is.
 */
export function evolveEntry(
  entry: KeyEntry,
  event: Exclude<ApiKeyEvent, { type: 'KeyRegistered' }>,
  updatedAt: string,
  rampUpMs: number,
): 'in_pool' | 'out_of_pool' | 'unchanged' {
  const { fingerprint, provider, lastProbe } = entry.view;
  switch (event.type) {
    case 'KeyQuarantined': {
      const { reason, until, status } = event.data;
      entry.view = withProbe(withStatus({ fingerprint, provider, state: 'quarantined', until, reason, updatedAt }, status), lastProbe);
      entry.untilMs = Date.parse(until);
      entry.rampFromMs = 0;
      return 'in_pool';
    }
    case 'KeyRestored':
      entry.view = withProbe({ fingerprint, provider, state: 'available', updatedAt }, lastProbe);
      // A passed deadline leaves the key half-open (its trial decides); a success puts it back.
      if (event.data.reason !== 'deadline_passed' && entry.untilMs !== 0) putBack(entry, Date.parse(updatedAt), rampUpMs);
      return 'unchanged';
    case 'KeyRetired':
      entry.view = withProbe(
        withStatus({ fingerprint, provider, state: 'retired', reason: event.data.reason, updatedAt }, event.data.status),
        lastProbe,
      );
      entry.untilMs = 0;
      return 'out_of_pool';
    case 'KeyRemoved':
      entry.view = withProbe({ fingerprint, provider, state: 'removed', updatedAt }, lastProbe);
      entry.untilMs = 0;
      return 'out_of_pool';
    case 'ProbeSucceeded':
      entry.view = { ...entry.view, updatedAt, lastProbe: newer(lastProbe, { at: updatedAt, ok: true, latencyMs: event.data.latencyMs }) };
      return 'unchanged';
    case 'ProbeFailed':
      entry.view = { ...entry.view, updatedAt, lastProbe: newer(lastProbe, { at: updatedAt, ok: false }) };
      return 'unchanged';
  }
}

/** Back in rotation from `nowMs`: at once, or ramping up over `rampUpMs`. */
export function putBack(entry: KeyEntry, nowMs: number, rampUpMs: number): void {
  entry.untilMs = 0;
  entry.rampFromMs = rampUpMs > 0 ? nowMs : 0;
  entry.rampCredit = 0;
}

/**
 * A ramping key's turn: each pick that reaches it adds its share so far (time since it came back
 * over `rampUpMs`) to its credit, and it serves when the credit reaches 1. Deterministic, so its
 * share of the traffic rises steadily from nothing to full over the window, and no draw is made.
 */
export function rampAdmits(entry: KeyEntry, nowMs: number, rampUpMs: number): boolean {
  const elapsed = nowMs - entry.rampFromMs;
  if (elapsed >= rampUpMs) {
    entry.rampFromMs = 0;
    return true;
  }
  entry.rampCredit += Math.max(0, elapsed) / rampUpMs;
  if (entry.rampCredit < 1) return false;
  entry.rampCredit -= 1;
  return true;
}

export const byProviderThenFingerprint = (a: KeyView, b: KeyView): number =>
  a.provider === b.provider ? (a.fingerprint < b.fingerprint ? -1 : 1) : a.provider < b.provider ? -1 : 1;

/** `{lastProbe}` only when there is one, so views carry no `undefined` holes. */
export function withProbe(view: KeyView, lastProbe: ProbeNote | undefined): KeyView {
  return lastProbe === undefined ? view : { ...view, lastProbe };
}

/** The later of two notes (an event of an old probe may arrive after this keeper's newer one). */
export function newer(current: ProbeNote | undefined, note: ProbeNote): ProbeNote {
  return current !== undefined && current.at > note.at ? current : note;
}

/** `{status}` only when there is one, so views carry no `undefined` holes. */
export function withStatus(view: KeyView, status: number | undefined): KeyView {
  return status === undefined ? view : { ...view, status };
}
