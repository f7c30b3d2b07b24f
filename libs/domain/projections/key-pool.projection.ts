import type { RecordedEvent } from '@switchboard/event-store';
import type { ApiKeyEvent } from '../api-key/api-key.events';
import type { KeyView, ProbeNote } from './views';
import { StreamRevisions } from './stream-revisions';

interface KeyEntry {
  /** A snapshot, replaced (never mutated) on every change, so a caller may keep it. */
  view: KeyView;
  /** Quarantine deadline in epoch ms; 0 when the key is not quarantined. */
  untilMs: number;
}

const byProviderThenFingerprint = (a: KeyView, b: KeyView): number =>
  a.provider === b.provider ? (a.fingerprint < b.fingerprint ? -1 : 1) : a.provider < b.provider ? -1 : 1;

/**
 * Every API key's state, and per provider profile the order keys were last handed out in.
 * `pick` is the hot path of every request: a walk from the least recently used key that stops at
 * the first usable one, with no allocation but the Map iterator.
 */
export class KeyPoolProjection {
  private readonly keys = new Map<string, KeyEntry>();
  /** Per profile, the keys that may serve (available or quarantined), least recently used first. */
  private readonly pools = new Map<string, Map<string, KeyEntry>>();
  private readonly revisions = new StreamRevisions();

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
      const entry: KeyEntry = { view: { ...view }, untilMs: view.state === 'quarantined' && view.until ? Date.parse(view.until) : 0 };
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
    const { provider, lastProbe } = entry.view;
    switch (event.type) {
      case 'KeyQuarantined': {
        const { reason, until, status } = event.data;
        entry.view = withProbe(withStatus({ fingerprint, provider, state: 'quarantined', until, reason, updatedAt }, status), lastProbe);
        entry.untilMs = Date.parse(until);
        this.poolOf(provider).set(fingerprint, entry);
        return;
      }
      case 'KeyRestored':
        entry.view = withProbe({ fingerprint, provider, state: 'available', updatedAt }, lastProbe);
        entry.untilMs = 0;
        return;
      case 'KeyRetired':
        entry.view = withProbe(
          withStatus({ fingerprint, provider, state: 'retired', reason: event.data.reason, updatedAt }, event.data.status),
          lastProbe,
        );
        entry.untilMs = 0;
        this.pools.get(provider)?.delete(fingerprint);
        return;
      case 'KeyRemoved':
        entry.view = withProbe({ fingerprint, provider, state: 'removed', updatedAt }, lastProbe);
        entry.untilMs = 0;
        this.pools.get(provider)?.delete(fingerprint);
        return;
      case 'ProbeSucceeded':
        entry.view = {
          ...entry.view,
          updatedAt,
          lastProbe: newer(lastProbe, { at: updatedAt, ok: true, latencyMs: event.data.latencyMs }),
        };
        return;
      case 'ProbeFailed':
        entry.view = { ...entry.view, updatedAt, lastProbe: newer(lastProbe, { at: updatedAt, ok: false }) };
        return;
    }
  }

  /**
   * Takes a key out of rotation until `untilMs` at once, in memory, before its quarantine is
   * stored: requests that start while the command is on its way must not call it too. The event,
   * when it arrives, sets the same deadline; a later one (a restore) decides.
   */
  coolDown(fingerprint: string, untilMs: number): void {
    const entry = this.keys.get(fingerprint);
    if (entry && untilMs > entry.untilMs) entry.untilMs = untilMs;
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
   * fingerprints; it moves to the back of the order. A quarantine whose deadline has passed counts
   * as over: the restore event may not have arrived yet.
   */
  pick(provider: string, nowMs: number, exclude?: ReadonlySet<string>): KeyView | undefined {
    const pool = this.pools.get(provider);
    if (!pool) return undefined;
    for (const entry of pool.values()) {
      if (entry.untilMs > nowMs) continue;
      const { fingerprint } = entry.view;
      if (exclude?.has(fingerprint)) continue;
      pool.delete(fingerprint);
      pool.set(fingerprint, entry);
      return entry.view;
    }
    return undefined;
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

  /** Quarantined keys whose deadline is at or before `nowMs`: the restore timer's work list. */
  dueForRestore(nowMs: number): KeyView[] {
    const due: KeyView[] = [];
    for (const { view, untilMs } of this.keys.values()) {
      if (view.state === 'quarantined' && untilMs <= nowMs) due.push(view);
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

  private register(fingerprint: string, provider: string, updatedAt: string, entry: KeyEntry | undefined): void {
    if (entry && entry.view.provider !== provider) this.pools.get(entry.view.provider)?.delete(fingerprint);
    const registered: KeyEntry = entry ?? {
      view: { fingerprint, provider, state: 'available', updatedAt },
      untilMs: 0,
    };
    registered.view = { fingerprint, provider, state: 'available', updatedAt };
    registered.untilMs = 0;
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

/** `{lastProbe}` only when there is one, so views carry no `undefined` holes. */
function withProbe(view: KeyView, lastProbe: ProbeNote | undefined): KeyView {
  return lastProbe === undefined ? view : { ...view, lastProbe };
}

/** The later of two notes (an event of an old probe may arrive after this keeper's newer one). */
function newer(current: ProbeNote | undefined, note: ProbeNote): ProbeNote {
  return current !== undefined && current.at > note.at ? current : note;
}

/** `{status}` only when there is one, so views carry no `undefined` holes. */
function withStatus(view: KeyView, status: number | undefined): KeyView {
  return status === undefined ? view : { ...view, status };
}
