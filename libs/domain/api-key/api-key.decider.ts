import type { Decider } from '../decider';
import { KeyNotRegisteredError, KeyRemovedError } from '../errors';
import type { ApiKeyCommand } from './api-key.commands';
import type { ApiKeyEvent, QuarantineReason } from './api-key.events';

/*
 * Invariants of one API key (stream `apikey-<fingerprint>`):
 * - unknown → available (registered) ⇄ quarantined → retired / removed; a removed key may be
 *   registered again, a retired key stays retired (its secret is dead; only removal ends it).
 * - Deciding twice is harmless: a command that changes nothing decides `[]`, so 100 concurrent
 *   reports of one failure, re-decided after each conflict, leave one KeyQuarantined.
 * - A quarantine whose deadline has passed counts as over (the restore may not have been decided
 *   yet, and the pool already hands the key to one trial call), so its next failure quarantines
 *   again; a restore (timer, trial, probe) decided before a newer deadline changes nothing.
 * - A `rate_limited` deadline is the provider's word: no probe ends it early, but it may extend
 *   an error quarantine. An error quarantine ends at its deadline or at a successful probe.
 * - Probes are quiet: a success appends nothing unless it ends a quarantine (an error one at any
 *   time, a rate-limited one once its deadline passed; then ProbeSucceeded + KeyRestored);
 *   failures are recorded. The last probe's time and latency live
 *   in the key pool's memory, not in the store (a 1 s interval would write 59 events a key a minute).
 * - Probes are decided on the provider's verdict, not the raw status: `retire` retires,
 *   `rate_limited` quarantines (a probe is a deliberate question, so its answer counts even inside
 *   a quarantine: it turns an error quarantine into a rate-limited one and extends a shorter
 *   deadline), `error` is recorded and changes nothing else.
 * - Only an admin's restore is refused (unknown or removed key); the hot path, timers and
 *   probes never see a refusal, they get `[]`.
 */
export type ApiKeyState =
  | { status: 'unknown' }
  | { status: 'available'; provider: string }
  | { status: 'quarantined'; provider: string; reason: QuarantineReason; until: string }
  | { status: 'retired'; provider: string }
  | { status: 'removed'; provider: string };

type Active = Extract<ApiKeyState, { status: 'available' | 'quarantined' }>;

const isActive = (s: ApiKeyState): s is Active => s.status === 'available' || s.status === 'quarantined';

const ms = (iso: string): number => Date.parse(iso);

/** Quarantined, and the deadline is still ahead of `now`. */
const coolingDown = (s: ApiKeyState, now: string): s is Extract<ApiKeyState, { status: 'quarantined' }> =>
  s.status === 'quarantined' && ms(s.until) > ms(now);

/** `{status}` only when there is one, so stored JSON carries no `undefined` holes. */
const withStatus = <T extends object>(data: T, status: number | undefined): T & { status?: number } =>
  status === undefined ? data : { ...data, status };

function quarantine(
  state: ApiKeyState,
  fingerprint: string,
  reason: QuarantineReason,
  until: string,
  now: string,
  status: number | undefined,
): ApiKeyEvent[] {
  if (!isActive(state)) return [];
  const extendsErrorQuarantine =
    reason === 'rate_limited' && state.status === 'quarantined' && state.reason !== 'rate_limited' && ms(until) > ms(state.until);
  if (coolingDown(state, now) && !extendsErrorQuarantine) return [];
  return [{ type: 'KeyQuarantined', data: withStatus({ fingerprint, reason, until }, status) }];
}

function recordProbe(command: Extract<ApiKeyCommand, { type: 'RecordProbe' }>, state: ApiKeyState): ApiKeyEvent[] {
  const { fingerprint, result, now } = command.data;
  if (!isActive(state)) return [];
  if (result.kind === 'ok') {
    // Only a success that ends a quarantine is a fact worth keeping; the rest is no news. A 429's
    // deadline is the provider's word: a probe ends it only once it has passed (the key's trial).
    if (state.status !== 'quarantined' || (state.reason === 'rate_limited' && coolingDown(state, now))) return [];
    return [
      { type: 'ProbeSucceeded', data: { fingerprint, latencyMs: result.latencyMs } },
      { type: 'KeyRestored', data: { fingerprint, reason: 'probe_succeeded' } },
    ];
  }
  const failed: ApiKeyEvent = { type: 'ProbeFailed', data: withStatus({ fingerprint, reason: result.reason }, result.status) };
  switch (result.kind) {
    case 'retire':
      return [failed, { type: 'KeyRetired', data: withStatus({ fingerprint, reason: result.reason }, result.status) }];
    case 'rate_limited': {
      const deadline = ms(now) + result.retryAfterMs;
      const current = state.status === 'quarantined' ? ms(state.until) : 0;
      if (state.status === 'quarantined' && state.reason === 'rate_limited' && current >= deadline) return [failed];
      // An error quarantine that outlasts the 429 keeps its deadline but becomes the provider's word.
      const until = new Date(Math.max(deadline, current)).toISOString();
      return [failed, { type: 'KeyQuarantined', data: withStatus({ fingerprint, reason: 'rate_limited' as const, until }, result.status) }];
    }
    case 'error':
      return [failed];
  }
}

function decide(command: ApiKeyCommand, state: ApiKeyState): ApiKeyEvent[] {
  switch (command.type) {
    case 'RegisterKey': {
      const { fingerprint, provider } = command.data;
      return state.status === 'unknown' || state.status === 'removed' ? [{ type: 'KeyRegistered', data: { fingerprint, provider } }] : [];
    }
    case 'QuarantineKey': {
      const { fingerprint, reason, until, now, status } = command.data;
      return quarantine(state, fingerprint, reason, until, now, status);
    }
    case 'RestoreKey': {
      const { fingerprint, reason, now } = command.data;
      if (reason === 'admin' && state.status === 'unknown') throw new KeyNotRegisteredError(fingerprint);
      if (reason === 'admin' && state.status === 'removed') throw new KeyRemovedError(fingerprint);
      if (state.status !== 'quarantined') return [];
      // A newer quarantine (another replica's 429) outranks a timer or a trial decided before it.
      if (reason !== 'admin' && ms(now) < ms(state.until)) return [];
      return [{ type: 'KeyRestored', data: { fingerprint, reason } }];
    }
    case 'RetireKey': {
      const { fingerprint, reason, status } = command.data;
      return isActive(state) ? [{ type: 'KeyRetired', data: withStatus({ fingerprint, reason }, status) }] : [];
    }
    case 'RecordProbe':
      return recordProbe(command, state);
    case 'RemoveKey':
      return state.status === 'unknown' || state.status === 'removed'
        ? []
        : [{ type: 'KeyRemoved', data: { fingerprint: command.data.fingerprint } }];
  }
}

function evolve(state: ApiKeyState, event: ApiKeyEvent): ApiKeyState {
  const provider = state.status === 'unknown' ? '' : state.provider;
  switch (event.type) {
    case 'KeyRegistered':
      return { status: 'available', provider: event.data.provider };
    case 'KeyQuarantined':
      return { status: 'quarantined', provider, reason: event.data.reason, until: event.data.until };
    case 'KeyRestored':
      return state.status === 'quarantined' ? { status: 'available', provider } : state;
    case 'KeyRetired':
      return { status: 'retired', provider };
    case 'KeyRemoved':
      return { status: 'removed', provider };
    case 'ProbeSucceeded':
    case 'ProbeFailed':
      return state;
  }
}

export const apiKeyDecider: Decider<ApiKeyCommand, ApiKeyEvent, ApiKeyState> = {
  decide,
  evolve,
  initialState: () => ({ status: 'unknown' }),
};
