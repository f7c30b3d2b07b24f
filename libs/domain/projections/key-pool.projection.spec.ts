import type { RecordedEvent } from '@switchboard/event-store';
import type { ApiKeyEvent, RestoreReason } from '../api-key/api-key.events';
import { KeyPoolProjection } from './key-pool.projection';

const t0 = Date.parse('2025-01-01T12:00:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();

/** Records events the way a store would: revision per stream, position across all, `at` given. */
function history() {
  const revisions = new Map<string, number>();
  let position = 0n;
  const record = (stream: string, event: { type: string; data: object }, at = t0): RecordedEvent => {
    const revision = (revisions.get(stream) ?? -1) + 1;
    revisions.set(stream, revision);
    position += 1n;
    return {
      stream,
      type: event.type,
      data: event.data as Record<string, unknown>,
      revision,
      position,
      at: iso(at),
    };
  };
  return {
    key: (event: ApiKeyEvent, at?: number) => record(`apikey-${event.data.fingerprint}`, event, at),
    record,
  };
}

const registered = (fingerprint: string, provider = 'openai_main'): ApiKeyEvent => ({
  type: 'KeyRegistered',
  data: { fingerprint, provider },
});
const quarantined = (fingerprint: string, untilMs: number, status = 503): ApiKeyEvent => ({
  type: 'KeyQuarantined',
  data: {
    fingerprint,
    reason: status === 429 ? 'rate_limited' : 'upstream_error',
    status,
    until: iso(untilMs),
  },
});
const restored = (fingerprint: string, reason: RestoreReason = 'deadline_passed'): ApiKeyEvent => ({
  type: 'KeyRestored',
  data: { fingerprint, reason },
});
const retired = (fingerprint: string): ApiKeyEvent => ({
  type: 'KeyRetired',
  data: { fingerprint, reason: 'invalid api key', status: 401 },
});
const removed = (fingerprint: string): ApiKeyEvent => ({ type: 'KeyRemoved', data: { fingerprint } });
const probeSucceeded = (fingerprint: string): ApiKeyEvent => ({
  type: 'ProbeSucceeded',
  data: { fingerprint, latencyMs: 90 },
});

function projectionOf(events: RecordedEvent[]): KeyPoolProjection {
  const pool = new KeyPoolProjection();
  for (const event of events) pool.apply(event);
  return pool;
}

const picks = (pool: KeyPoolProjection, provider: string, times: number, nowMs = t0): Array<string | undefined> =>
  Array.from({ length: times }, () => pool.pick(provider, nowMs)?.fingerprint);

describe('KeyPoolProjection', () => {
  describe('given registered keys', () => {
    it('lists them as available, sorted by provider then fingerprint, with the time of their last event', () => {
      const h = history();
      const pool = projectionOf([
        h.key(registered('bbbb', 'openai_main'), t0),
        h.key(registered('aaaa', 'openai_main'), t0 + 1),
        h.key(registered('cccc', 'azure_backup'), t0 + 2),
      ]);
      expect(pool.list()).toEqual([
        { fingerprint: 'cccc', provider: 'azure_backup', state: 'available', updatedAt: iso(t0 + 2) },
        { fingerprint: 'aaaa', provider: 'openai_main', state: 'available', updatedAt: iso(t0 + 1) },
        { fingerprint: 'bbbb', provider: 'openai_main', state: 'available', updatedAt: iso(t0) },
      ]);
      expect(pool.list('azure_backup').map((k) => k.fingerprint)).toEqual(['cccc']);
      expect(pool.get('aaaa')?.state).toBe('available');
      expect(pool.get('zzzz')).toBeUndefined();
    });

    it('hands them out least recently used first, round robin', () => {
      const h = history();
      const pool = projectionOf([h.key(registered('k1')), h.key(registered('k2')), h.key(registered('k3'))]);
      expect(picks(pool, 'openai_main', 6)).toEqual(['k1', 'k2', 'k3', 'k1', 'k2', 'k3']);
    });

    it('only hands out keys of the asked profile', () => {
      const h = history();
      const pool = projectionOf([h.key(registered('k1', 'openai_main')), h.key(registered('k2', 'azure_backup'))]);
      expect(picks(pool, 'azure_backup', 2)).toEqual(['k2', 'k2']);
      expect(pool.pick('anthropic_main', t0)).toBeUndefined();
    });

    it('skips excluded fingerprints (keys this request already tried)', () => {
      const h = history();
      const pool = projectionOf([h.key(registered('k1')), h.key(registered('k2'))]);
      expect(pool.pick('openai_main', t0, new Set(['k1']))?.fingerprint).toBe('k2');
      expect(pool.pick('openai_main', t0, new Set(['k1', 'k2']))).toBeUndefined();
    });

    it('reports no quarantine deadline when none is quarantined', () => {
      const h = history();
      const pool = projectionOf([h.key(registered('k1'))]);
      expect(pool.earliestAvailableAt(['openai_main'], t0)).toBeUndefined();
      expect(pool.dueForRestore(t0)).toEqual([]);
    });
  });

  describe('given a quarantined key', () => {
    const build = () => {
      const h = history();
      return projectionOf([h.key(registered('k1')), h.key(registered('k2')), h.key(quarantined('k1', t0 + 5_000), t0 + 10)]);
    };

    it('shows its deadline, reason and status', () => {
      expect(build().get('k1')).toEqual({
        fingerprint: 'k1',
        provider: 'openai_main',
        state: 'quarantined',
        until: iso(t0 + 5_000),
        reason: 'upstream_error',
        status: 503,
        updatedAt: iso(t0 + 10),
      });
    });

    it('does not hand it out before its deadline', () => {
      expect(picks(build(), 'openai_main', 3, t0 + 1_000)).toEqual(['k2', 'k2', 'k2']);
    });

    it('hands it out again once the deadline has passed, before the restore arrives', () => {
      expect(picks(build(), 'openai_main', 2, t0 + 5_000)).toEqual(['k1', 'k2']);
    });

    it('lists it as due for restore once the deadline has passed', () => {
      const pool = build();
      expect(pool.dueForRestore(t0 + 4_999)).toEqual([]);
      expect(pool.dueForRestore(t0 + 5_000).map((k) => k.fingerprint)).toEqual(['k1']);
    });

    it('tells when the earliest key of the chain comes back', () => {
      const h = history();
      const pool = projectionOf([
        h.key(registered('k1', 'openai_main')),
        h.key(registered('k2', 'azure_backup')),
        h.key(registered('k3', 'anthropic_main')),
        h.key(quarantined('k1', t0 + 60_000, 429)),
        h.key(quarantined('k2', t0 + 5_000)),
        h.key(quarantined('k3', t0 + 1_000)),
      ]);
      expect(pool.earliestAvailableAt(['openai_main', 'azure_backup'], t0)).toBe(t0 + 5_000);
      expect(pool.earliestAvailableAt(['openai_main'], t0)).toBe(t0 + 60_000);
      expect(pool.earliestAvailableAt(['openai_main', 'azure_backup'], t0 + 7_000)).toBe(t0 + 7_000);
    });
  });

  describe('given a restored key', () => {
    it('is available again, without its old deadline, and handed out', () => {
      const h = history();
      const pool = projectionOf([
        h.key(registered('k1')),
        h.key(quarantined('k1', t0 + 60_000, 503)),
        h.key(restored('k1', 'probe_succeeded'), t0 + 30_000),
      ]);
      expect(pool.get('k1')).toEqual({
        fingerprint: 'k1',
        provider: 'openai_main',
        state: 'available',
        updatedAt: iso(t0 + 30_000),
      });
      expect(picks(pool, 'openai_main', 2, t0 + 30_000)).toEqual(['k1', 'k1']);
      expect(pool.onTrial('k1')).toBe(false);
    });

    it('stays half-open after the timer’s restore: the deadline passed, the key has not answered yet', () => {
      const h = history();
      const pool = projectionOf([
        h.key(registered('k1')),
        h.key(quarantined('k1', t0 + 60_000, 429)),
        h.key(restored('k1', 'deadline_passed'), t0 + 60_000),
      ]);
      expect(pool.get('k1')?.state).toBe('available');
      expect(picks(pool, 'openai_main', 2, t0 + 60_000)).toEqual(['k1', undefined]);
      expect(pool.onTrial('k1')).toBe(true);
    });
  });

  describe('given a key whose cooldown has ended (half-open)', () => {
    const build = () => {
      const h = history();
      return projectionOf([h.key(registered('k1')), h.key(quarantined('k1', t0 + 1_000, 429))]);
    };

    it('hands it to one caller, its trial, and to no other while the trial is out', () => {
      const pool = build();
      expect(picks(pool, 'openai_main', 3, t0 + 1_000)).toEqual(['k1', undefined, undefined]);
      expect(pool.onTrial('k1')).toBe(true);
    });

    it('puts it back when the trial succeeds', () => {
      const pool = build();
      pool.pick('openai_main', t0 + 1_000);
      pool.endTrial('k1', t0 + 1_100, true);
      expect(pool.onTrial('k1')).toBe(false);
      expect(picks(pool, 'openai_main', 2, t0 + 20_000)).toEqual(['k1', 'k1']);
      expect(pool.earliestAvailableAt(['openai_main'], t0 + 20_000)).toBeUndefined();
    });

    it('keeps it out when the trial failed and cooled it down again', () => {
      const pool = build();
      pool.pick('openai_main', t0 + 1_000);
      pool.coolDown('k1', t0 + 31_000);
      pool.endTrial('k1', t0 + 1_100, false);
      expect(pool.pick('openai_main', t0 + 30_999)).toBeUndefined();
      expect(picks(pool, 'openai_main', 2, t0 + 31_000)).toEqual(['k1', undefined]);
    });

    it('offers the next trial when one ended saying nothing of the key (a client error, a cancel)', () => {
      const pool = build();
      pool.pick('openai_main', t0 + 1_000);
      pool.endTrial('k1', t0 + 1_100, false);
      expect(picks(pool, 'openai_main', 2, t0 + 1_200)).toEqual(['k1', undefined]);
    });

    it('lets other keys serve meanwhile, and leaves the trial to a request that has not passed it', () => {
      const h = history();
      const pool = projectionOf([h.key(registered('k1')), h.key(registered('k2')), h.key(quarantined('k1', t0 + 1_000, 503))]);
      expect(pool.pick('openai_main', t0 + 1_000, new Set(['k1']))?.fingerprint).toBe('k2');
      expect(pool.onTrial('k1')).toBe(false);
      expect(picks(pool, 'openai_main', 3, t0 + 1_000)).toEqual(['k1', 'k2', 'k2']);
    });
  });

  describe('rotationOf: where a key stands on its way back (what /admin/keys shows)', () => {
    it('cooling, then half-open, on trial, ramping with its share, and nothing once fully back', () => {
      const h = history();
      const pool = new KeyPoolProjection({ rampUpMs: 10_000 });
      for (const e of [h.key(registered('k1')), h.key(registered('k2'))]) pool.apply(e);
      expect(pool.rotationOf('k1', t0)).toBeUndefined();
      pool.coolDown('k1', t0 + 1_000);
      expect(pool.rotationOf('k1', t0)).toEqual({ rotation: 'cooling' });
      expect(pool.rotationOf('k1', t0 + 1_000)).toEqual({ rotation: 'half_open' });
      while (pool.pick('openai_main', t0 + 1_000)?.fingerprint !== 'k1');
      expect(pool.rotationOf('k1', t0 + 1_000)).toEqual({ rotation: 'on_trial' });
      pool.endTrial('k1', t0 + 1_000, true);
      expect(pool.rotationOf('k1', t0 + 5_000)).toEqual({ rotation: 'ramping', share: 0.4 });
      expect(pool.rotationOf('k1', t0 + 11_000)).toBeUndefined();
      expect(pool.rotationOf('k2', t0 + 5_000)).toBeUndefined();
    });

    it('says nothing of a stored quarantine before its deadline, nor of a retired key: their state does', () => {
      const h = history();
      const pool = projectionOf([
        h.key(registered('k1')),
        h.key(quarantined('k1', t0 + 1_000, 429)),
        h.key(registered('k2')),
        h.key(retired('k2')),
      ]);
      expect(pool.rotationOf('k1', t0)).toBeUndefined();
      expect(pool.rotationOf('k2', t0)).toBeUndefined();
      expect(pool.rotationOf('k1', t0 + 1_000)).toEqual({ rotation: 'half_open' });
    });
  });

  describe('given a key back from its trial, with a ramp-up window', () => {
    const RAMP_MS = 10_000;
    /** k1 came back at t0 + 1 s; k2 served all along. */
    const build = () => {
      const h = history();
      const pool = new KeyPoolProjection({ rampUpMs: RAMP_MS });
      for (const e of [h.key(registered('k1')), h.key(registered('k2')), h.key(quarantined('k1', t0 + 1_000, 429))]) pool.apply(e);
      expect(pool.pick('openai_main', t0 + 1_000)?.fingerprint).toBe('k1');
      pool.endTrial('k1', t0 + 1_000, true);
      return pool;
    };
    const shareOfK1 = (pool: KeyPoolProjection, fromMs: number, toMs: number): number => {
      let k1 = 0;
      for (let at = fromMs; at < toMs; at += 10) if (pool.pick('openai_main', at)?.fingerprint === 'k1') k1++;
      return k1 / ((toMs - fromMs) / 10);
    };

    it('gives it a share of the picks that rises over the window, up to an even share', () => {
      const pool = build();
      const back = t0 + 1_000;
      const quarters = [0, 1, 2, 3].map((q) => shareOfK1(pool, back + (q * RAMP_MS) / 4, back + ((q + 1) * RAMP_MS) / 4));
      expect(quarters[0]).toBeLessThan(0.15);
      for (let q = 1; q < 4; q++) expect(quarters[q]).toBeGreaterThan(quarters[q - 1]);
      expect(quarters[3]).toBeGreaterThan(0.35);
      expect(shareOfK1(pool, back + RAMP_MS, back + 2 * RAMP_MS)).toBe(0.5);
    });

    it('still serves alone when no other key can (the ramp only shares, it never refuses)', () => {
      const pool = build();
      expect(picks(pool, 'openai_main', 3, t0 + 1_001)).toEqual(['k2', 'k2', 'k2']);
      expect(pool.pick('openai_main', t0 + 1_001, new Set(['k2']))?.fingerprint).toBe('k1');
    });
  });

  describe('given a retired key', () => {
    const build = () => {
      const h = history();
      return projectionOf([h.key(registered('k1')), h.key(registered('k2')), h.key(retired('k1'), t0 + 3)]);
    };

    it('never hands it out again', () => {
      expect(picks(build(), 'openai_main', 3)).toEqual(['k2', 'k2', 'k2']);
    });

    it('lists it as retired with the reason', () => {
      expect(build().get('k1')).toEqual({
        fingerprint: 'k1',
        provider: 'openai_main',
        state: 'retired',
        reason: 'invalid api key',
        status: 401,
        updatedAt: iso(t0 + 3),
      });
    });

    it('still counts it among the profile’s fingerprints (the keys file still has it)', () => {
      expect(build().fingerprints('openai_main')).toEqual(['k1', 'k2']);
    });
  });

  describe('given a removed key', () => {
    const build = () => {
      const h = history();
      return projectionOf([h.key(registered('k1')), h.key(registered('k2')), h.key(removed('k1'), t0 + 4)]);
    };

    it('lists it as removed', () => {
      expect(
        build()
          .list()
          .map((k) => [k.fingerprint, k.state]),
      ).toEqual([
        ['k1', 'removed'],
        ['k2', 'available'],
      ]);
    });

    it('never hands it out and leaves it out of the profile’s fingerprints', () => {
      const pool = build();
      expect(picks(pool, 'openai_main', 2)).toEqual(['k2', 'k2']);
      expect(pool.fingerprints('openai_main')).toEqual(['k2']);
    });

    it('hands it out again once it is registered again', () => {
      const h = history();
      const pool = projectionOf([h.key(registered('k1')), h.key(removed('k1')), h.key(registered('k1'))]);
      expect(pool.get('k1')?.state).toBe('available');
      expect(pool.pick('openai_main', t0)?.fingerprint).toBe('k1');
    });
  });

  describe('given a key cooled down in memory before its quarantine is stored', () => {
    it('hands it out no more until the deadline, and the stored quarantine keeps it out', () => {
      const h = history();
      const pool = projectionOf([h.key(registered('k1'), t0)]);
      pool.coolDown('k1', t0 + 30_000);
      expect(pool.pick('openai_main', t0 + 1)).toBeUndefined();
      expect(pool.earliestAvailableAt(['openai_main'], t0)).toBe(t0 + 30_000);
      pool.apply(h.key(quarantined('k1', t0 + 30_000, 429), t0 + 5));
      expect(pool.pick('openai_main', t0 + 29_999)).toBeUndefined();
      expect(pool.pick('openai_main', t0 + 30_000)?.fingerprint).toBe('k1');
    });

    it('never shortens a deadline already known', () => {
      const h = history();
      const pool = projectionOf([h.key(registered('k1'), t0), h.key(quarantined('k1', t0 + 60_000, 429), t0)]);
      pool.coolDown('k1', t0 + 5_000);
      expect(pool.pick('openai_main', t0 + 10_000)).toBeUndefined();
    });
  });

  describe('given probe results', () => {
    it('moves the time of the last event and notes the probe, leaving the state', () => {
      const h = history();
      const pool = projectionOf([h.key(registered('k1'), t0), h.key(probeSucceeded('k1'), t0 + 30_000)]);
      expect(pool.get('k1')).toEqual({
        fingerprint: 'k1',
        provider: 'openai_main',
        state: 'available',
        updatedAt: iso(t0 + 30_000),
        lastProbe: { at: iso(t0 + 30_000), ok: true, latencyMs: 90 },
      });
    });

    it('notes a probe that appended nothing, and keeps the note through later transitions', () => {
      const h = history();
      const pool = projectionOf([h.key(registered('k1'), t0)]);
      pool.noteProbe('k1', { at: iso(t0 + 5_000), ok: true, latencyMs: 12 });
      pool.apply(h.key(quarantined('k1', t0 + 60_000), t0 + 6_000));
      expect(pool.get('k1')).toMatchObject({
        state: 'quarantined',
        updatedAt: iso(t0 + 6_000),
        lastProbe: { at: iso(t0 + 5_000), ok: true, latencyMs: 12 },
      });
    });

    it('keeps the newer note when an older probe event arrives late', () => {
      const h = history();
      const pool = projectionOf([h.key(registered('k1'), t0)]);
      pool.noteProbe('k1', { at: iso(t0 + 9_000), ok: true, latencyMs: 12 });
      pool.apply(h.key({ type: 'ProbeFailed', data: { fingerprint: 'k1', reason: 'timeout' } }, t0 + 8_000));
      expect(pool.get('k1')?.lastProbe).toEqual({ at: iso(t0 + 9_000), ok: true, latencyMs: 12 });
    });
  });

  describe('given an event delivered twice (local apply, then the subscription)', () => {
    it('applies it once and ignores older revisions', () => {
      const h = history();
      const reg = h.key(registered('k1'));
      const quarantine = h.key(quarantined('k1', t0 + 5_000));
      const restore = h.key(restored('k1'));
      const pool = projectionOf([reg, quarantine, restore, quarantine, reg]);
      expect(pool.get('k1')?.state).toBe('available');
      expect(pool.list()).toHaveLength(1);
    });

    it('tracks the highest global position as its checkpoint, across categories', () => {
      const h = history();
      const pool = projectionOf([
        h.key(registered('k1')),
        h.record('provider-openai_main', {
          type: 'ProviderRegistered',
          data: { name: 'openai_main', providerType: 'openai' },
        }),
      ]);
      expect(pool.position).toBe(2n);
      expect(pool.list()).toHaveLength(1);
    });
  });
});
