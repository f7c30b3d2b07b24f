import type { RecordedEvent } from '@switchboard/event-store';
import type { ApiKeyEvent } from '../api-key/api-key.events';
import type { KeyRotation, KeyView, ProbeNote } from './views';
import { byProviderThenFingerprint, evolveEntry, newer, newEntry, putBack, rampAdmits, type KeyEntry } from './key-entry';
import { StreamRevisions } from './stream-revisions';

export interface KeyPoolOptions {
  /** How long a key that came back takes to reach its full share of picks; 0: at once. */
  rampUpMs?: number;
}

/**
 * Every API key's state, and per provider profile the order keys were last handed out in.
 * `pick` is the hot path of every request: a walk from the least recently used key that stops at
 * the first usable one, with no allocation but the Map iterator.
 *
 * A key out of rotation comes back in three steps, so that a recovering upstream is not stampeded
 * by every request that waited for it: cooling (deadline ahead: skipped), half-open (deadline
 * passed: one trial call at a time, every other pick skips it), then back, its share of picks
 * ramping up over `rampUpMs`. Only a success puts it back: the trial's (`endTrial`), a probe's
 * or an admin's restore. The timer's `KeyRestored {deadline_passed}` says the deadline passed,
 * not that the key works, so the key stays half-open until its trial.
 */
export class KeyPoolProjection {
  private readonly keys = new Map<string, KeyEntry>();
  /** Per profile, the keys that may serve (available or quarantined), least recently used first. */
  private readonly pools = new Map<string, Map<string, KeyEntry>>();
  private readonly revisions = new StreamRevisions();
  private readonly rampUpMs: number;
  /** Trials in flight: while 0, `onTrial` answers without a lookup. */
  private trialsOut = 0;

  constructor(options: KeyPoolOptions = {}) {
    this.rampUpMs = options.rampUpMs ?? 0;
  }

  /** Highest global position applied: where a subscription resumes. */
  get position(): bigint {
    return this.revisions.position;
  }

  /**
   * A projection holding these views, as of `position` (a checkpoint the admin's time travel
   * starts from instead of the first event). Feed it only the events after `position`.
   */
  static fromViews(views: readonly KeyView[], position: bigint): KeyPoolProjection {
    const projection = new KeyPoolProjection();
    projection.revisions.position = position;
    for (const view of views) {
      const entry = newEntry({ ...view }, view.state === 'quarantined' && view.until ? Date.parse(view.until) : 0);
      projection.keys.set(view.fingerprint, entry);
      if (view.state === 'available' || view.state === 'quarantined') projection.poolOf(view.provider).set(view.fingerprint, entry);
    }
    return projection;
  }

  /** Lets the stream's events after `revision` be applied again (see `StreamRevisions.rewind`). */
  rewind(stream: string, revision: number): void {
    this.revisions.rewind(stream, revision);
  }

  /** Applies one recorded event; repeats, older revisions and other categories are ignored. */
  apply(recorded: RecordedEvent): void {
    this.revisions.advance(recorded);
    if (!recorded.stream.startsWith('apikey-') || !this.revisions.admit(recorded)) return;
    const event = recorded as unknown as ApiKeyEvent;
    const fingerprint = event.data.fingerprint;
    const updatedAt = recorded.at;
    const entry = this.keys.get(fingerprint);
    if (event.type === 'KeyRegistered') {
      this.register(fingerprint, event.data.provider, updatedAt, entry);
      return;
    }
    if (!entry) return;
    const provider = entry.view.provider;
    const membership = evolveEntry(entry, event, updatedAt, this.rampUpMs);
    if (membership === 'in_pool') this.poolOf(provider).set(fingerprint, entry);
    else if (membership === 'out_of_pool') this.pools.get(provider)?.delete(fingerprint);
  }

  /**
   * Takes a key out of rotation until `untilMs` at once, in memory, before its quarantine is
   * stored: requests that start while the command is on its way must not call it too. The event,
   * when it arrives, sets the same deadline; a later one (a restore) decides.
   */
  coolDown(fingerprint: string, untilMs: number): void {
    const entry = this.keys.get(fingerprint);
    if (!entry || untilMs <= entry.untilMs) return;
    entry.untilMs = untilMs;
    entry.rampFromMs = 0;
  }

  /**
   * Takes a half-open key's trial for a caller other than `pick` (the keeper's probe): false when
   * the key is not half-open or its trial is out already. End it with `endTrial`.
   */
  holdTrial(fingerprint: string, nowMs: number): boolean {
    const entry = this.keys.get(fingerprint);
    if (!entry || entry.untilMs === 0 || entry.untilMs > nowMs || entry.onTrial) return false;
    this.takeTrial(entry);
    return true;
  }

  /** The key's trial is out (handed out by the last `pick`, or held by a probe). */
  onTrial(fingerprint: string): boolean {
    return this.trialsOut > 0 && this.keys.get(fingerprint)?.onTrial === true;
  }

  /**
   * A trial call is over. `succeeded`: the key is back in rotation at once (its restore event
   * follows), ramping up from `nowMs`. Otherwise it stays out: a failure has cooled it down again
   * (`coolDown`), and an answer that says nothing about the key (the client's own error, a
   * cancelled request) leaves it half-open for the next trial.
   */
  endTrial(fingerprint: string, nowMs: number, succeeded: boolean): void {
    const entry = this.keys.get(fingerprint);
    if (!entry?.onTrial) return;
    entry.onTrial = false;
    this.trialsOut--;
    if (succeeded && entry.untilMs !== 0 && entry.untilMs <= nowMs) putBack(entry, nowMs, this.rampUpMs);
  }

  /**
   * Remembers a probe's answer without an event: a success on an available key appends nothing,
   * yet `/admin/keys` still shows when the key was last tried and how fast it answered.
   */
  noteProbe(fingerprint: string, note: ProbeNote): void {
    const entry = this.keys.get(fingerprint);
    if (entry) entry.view = { ...entry.view, lastProbe: newer(entry.view.lastProbe, note) };
  }

  /**
   * The least recently used key of `provider` that may serve at `nowMs`, skipping `exclude`d
   * fingerprints; it moves to the back of the order. A half-open key (its deadline passed) is
   * handed out to one caller at a time, as its trial (`onTrial`, then `endTrial`). A ramping key
   * serves only when its credit allows and otherwise lets the next key serve, unless no other can.
   */
  pick(provider: string, nowMs: number, exclude?: ReadonlySet<string>): KeyView | undefined {
    const pool = this.pools.get(provider);
    if (!pool) return undefined;
    let passedRamping: KeyEntry | undefined;
    for (const entry of pool.values()) {
      if (entry.untilMs !== 0) {
        if (entry.untilMs > nowMs || entry.onTrial || exclude?.has(entry.view.fingerprint)) continue;
        this.takeTrial(entry);
        return this.handOut(pool, entry);
      }
      if (exclude?.has(entry.view.fingerprint)) continue;
      if (entry.rampFromMs !== 0 && !rampAdmits(entry, nowMs, this.rampUpMs)) {
        passedRamping ??= entry;
        continue;
      }
      return this.handOut(pool, entry);
    }
    return passedRamping && this.handOut(pool, passedRamping);
  }

  get(fingerprint: string): KeyView | undefined {
    return this.keys.get(fingerprint)?.view;
  }

  /** Every key ever registered (removed ones as `removed`), sorted by provider then fingerprint. */
  list(provider?: string): KeyView[] {
    const views: KeyView[] = [];
    for (const { view } of this.keys.values()) {
      if (provider === undefined || view.provider === provider) views.push({ ...view });
    }
    return views.sort(byProviderThenFingerprint);
  }

  /**
   * Where a key stands on its way back into rotation at `nowMs` (admin reads), or `undefined` when
   * it is fully in rotation or out of the pool (its state says why).
   */
  rotationOf(fingerprint: string, nowMs: number): KeyRotation | undefined {
    const entry = this.keys.get(fingerprint);
    if (!entry || entry.view.state === 'retired' || entry.view.state === 'removed') return undefined;
    if (entry.untilMs !== 0) {
      if (entry.onTrial) return { rotation: 'on_trial' };
      if (entry.untilMs <= nowMs) return { rotation: 'half_open' };
      return entry.view.state === 'quarantined' ? undefined : { rotation: 'cooling' };
    }
    if (entry.rampFromMs === 0) return undefined;
    const share = (nowMs - entry.rampFromMs) / this.rampUpMs;
    return share >= 1 ? undefined : { rotation: 'ramping', share: Math.max(0, Math.round(share * 100) / 100) };
  }

  /** Quarantined keys whose deadline is at or before `nowMs`: the restore timer's work list. */
  dueForRestore(nowMs: number): KeyView[] {
    const due: KeyView[] = [];
    for (const { view, untilMs } of this.keys.values()) {
      // A deadline of 0 on a quarantined view: a trial already put the key back, its event is on the way.
      if (view.state === 'quarantined' && untilMs !== 0 && untilMs <= nowMs) due.push(view);
    }
    return due.sort(byProviderThenFingerprint);
  }

  /**
   * When (epoch ms) the first quarantined key of `providers` comes back, for a 503's Retry-After;
   * `undefined` when none of them is quarantined; never before `nowMs` (a passed deadline is due now).
   */
  earliestAvailableAt(providers: string[], nowMs: number): number | undefined {
    let earliest: number | undefined;
    for (const provider of providers) {
      const pool = this.pools.get(provider);
      if (!pool) continue;
      for (const { untilMs } of pool.values()) {
        if (untilMs > 0 && (earliest === undefined || untilMs < earliest)) earliest = untilMs;
      }
    }
    return earliest === undefined ? undefined : Math.max(earliest, nowMs);
  }

  /** Fingerprints registered for `provider` and not removed (retired ones included), sorted. */
  fingerprints(provider: string): string[] {
    const found: string[] = [];
    for (const { view } of this.keys.values()) {
      if (view.provider === provider && view.state !== 'removed') found.push(view.fingerprint);
    }
    return found.sort();
  }

  private takeTrial(entry: KeyEntry): void {
    entry.onTrial = true;
    this.trialsOut++;
  }

  private handOut(pool: Map<string, KeyEntry>, entry: KeyEntry): KeyView {
    pool.delete(entry.view.fingerprint);
    pool.set(entry.view.fingerprint, entry);
    return entry.view;
  }

  private register(fingerprint: string, provider: string, updatedAt: string, entry: KeyEntry | undefined): void {
    if (entry && entry.view.provider !== provider) this.pools.get(entry.view.provider)?.delete(fingerprint);
    const view: KeyView = { fingerprint, provider, state: 'available', updatedAt };
    const registered = entry ?? newEntry(view, 0);
    registered.view = view;
    registered.untilMs = 0;
    registered.rampFromMs = 0;
    this.keys.set(fingerprint, registered);
    const pool = this.poolOf(provider);
    if (!pool.has(fingerprint)) pool.set(fingerprint, registered);
  }

  private poolOf(provider: string): Map<string, KeyEntry> {
    let pool = this.pools.get(provider);
    if (!pool) this.pools.set(provider, (pool = new Map()));
    return pool;
  }
}
