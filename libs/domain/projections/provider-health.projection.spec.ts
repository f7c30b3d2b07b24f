import type { RecordedEvent } from '@switchboard/event-store';
import type { ProviderEvent } from '../provider/provider.events';
import { ProviderHealthProjection } from './provider-health.projection';

const t0 = Date.parse('2025-01-01T12:00:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();

function history() {
  const revisions = new Map<string, number>();
  let position = 0n;
  return (event: ProviderEvent | { type: string; data: Record<string, unknown> }, at = t0, stream?: string): RecordedEvent => {
    const name = stream ?? `provider-${String(event.data.name)}`;
    const revision = (revisions.get(name) ?? -1) + 1;
    revisions.set(name, revision);
    position += 1n;
    return {
      stream: name,
      type: event.type,
      data: event.data as Record<string, unknown>,
      revision,
      position,
      at: iso(at),
    };
  };
}

const registered = (name: string, providerType = 'openai'): ProviderEvent => ({
  type: 'ProviderRegistered',
  data: { name, providerType },
});
const opened = (name: string, untilMs: number): ProviderEvent => ({
  type: 'CircuitOpened',
  data: { name, failures: 5, until: iso(untilMs) },
});
const halfOpened = (name: string): ProviderEvent => ({ type: 'CircuitHalfOpened', data: { name } });
const closed = (name: string): ProviderEvent => ({ type: 'CircuitClosed', data: { name } });
const disabled = (name: string): ProviderEvent => ({
  type: 'ProviderDisabled',
  data: { name, reason: 'maintenance' },
});
const enabled = (name: string): ProviderEvent => ({ type: 'ProviderEnabled', data: { name } });
const removed = (name: string): ProviderEvent => ({ type: 'ProviderRemoved', data: { name } });

function projectionOf(events: RecordedEvent[]): ProviderHealthProjection {
  const health = new ProviderHealthProjection();
  for (const event of events) health.apply(event);
  return health;
}

describe('ProviderHealthProjection', () => {
  describe('given registered providers', () => {
    it('lists them sorted by name, closed and enabled, with their type', () => {
      const e = history();
      const health = projectionOf([e(registered('openai_main', 'openai'), t0), e(registered('azure_backup', 'azure'), t0 + 1)]);
      expect(health.list()).toEqual([
        { name: 'azure_backup', type: 'azure', circuit: 'closed', enabled: true, updatedAt: iso(t0 + 1) },
        { name: 'openai_main', type: 'openai', circuit: 'closed', enabled: true, updatedAt: iso(t0) },
      ]);
      expect(health.get('nope')).toBeUndefined();
    });
  });

  describe('given an open circuit', () => {
    it('shows it open until the cooldown ends', () => {
      const e = history();
      const health = projectionOf([e(registered('openai_main')), e(opened('openai_main', t0 + 30_000), t0 + 5)]);
      expect(health.get('openai_main')).toEqual({
        name: 'openai_main',
        type: 'openai',
        circuit: 'open',
        until: iso(t0 + 30_000),
        enabled: true,
        updatedAt: iso(t0 + 5),
      });
    });
  });

  describe('given a half-opened circuit', () => {
    it('shows it half open without a deadline', () => {
      const e = history();
      const health = projectionOf([e(registered('p')), e(opened('p', t0 + 30_000)), e(halfOpened('p'))]);
      expect(health.get('p')?.circuit).toBe('half_open');
      expect(health.get('p')).not.toHaveProperty('until');
    });
  });

  describe('given a closed circuit after a trip', () => {
    it('shows it closed', () => {
      const e = history();
      const health = projectionOf([e(registered('p')), e(opened('p', t0 + 30_000)), e(halfOpened('p')), e(closed('p'))]);
      expect(health.get('p')?.circuit).toBe('closed');
    });
  });

  describe('given an admin disable and enable', () => {
    it('tracks enabled apart from the circuit', () => {
      const e = history();
      const events = [e(registered('p')), e(opened('p', t0 + 30_000)), e(disabled('p'))];
      expect(projectionOf(events).get('p')).toMatchObject({ circuit: 'open', enabled: false });
      expect(projectionOf([...events, e(enabled('p'))]).get('p')).toMatchObject({
        circuit: 'open',
        enabled: true,
      });
    });
  });

  describe('given a profile removed from the config', () => {
    it('no longer lists it, and lists it afresh (closed, enabled) once registered again', () => {
      const e = history();
      const events = [
        e(registered('gone')),
        e(registered('kept')),
        e(opened('gone', t0 + 30_000)),
        e(disabled('gone')),
        e(removed('gone')),
      ];
      expect(
        projectionOf(events)
          .list()
          .map((p) => p.name),
      ).toEqual(['kept']);
      expect(projectionOf(events).get('gone')).toBeUndefined();
      expect(projectionOf([...events, e(registered('gone', 'anthropic'))]).get('gone')).toMatchObject({
        type: 'anthropic',
        circuit: 'closed',
        enabled: true,
      });
    });
  });

  describe('given repeats and other categories', () => {
    it('applies each event once, ignores key events, and checkpoints the highest position', () => {
      const e = history();
      const reg = e(registered('p'));
      const open = e(opened('p', t0 + 30_000));
      const keyEvent = e({ type: 'KeyRegistered', data: { fingerprint: 'k1', provider: 'p' } }, t0, 'apikey-k1');
      const close = e(halfOpened('p'));
      const health = projectionOf([reg, open, keyEvent, close, open, reg]);
      expect(health.get('p')?.circuit).toBe('half_open');
      expect(health.list()).toHaveLength(1);
      expect(health.position).toBe(4n);
    });
  });
});
