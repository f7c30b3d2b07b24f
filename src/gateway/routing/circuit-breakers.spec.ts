import type { ProviderView } from '@switchboard/domain';
import { CircuitBreakers } from './circuit-breakers';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(NOW + ms).toISOString();

/** The provider-health projection's view of one profile, as the router reads it. */
const closed: ProviderView = { name: 'p1', type: 'openai', circuit: 'closed', enabled: true, updatedAt: at(0) };
const open = (untilMs: number): ProviderView => ({ ...closed, circuit: 'open', until: at(untilMs) });
const halfOpen: ProviderView = { ...closed, circuit: 'half_open' };
const disabled: ProviderView = { ...closed, enabled: false };

/** Breakers with a threshold of 3, after these consecutive failure reports for p1. */
function given(failures = 0): CircuitBreakers {
  const breakers = new CircuitBreakers(3);
  for (let i = 0; i < failures; i++) breakers.failed('p1');
  return breakers;
}

describe('CircuitBreakers', () => {
  describe('admission', () => {
    it('lets every request through a closed circuit, and a profile the projection does not know yet', () => {
      expect(given().admit('p1', closed, NOW)).toEqual({ pass: true, trial: false });
      expect(given().admit('p1', undefined, NOW)).toEqual({ pass: true, trial: false });
    });

    it('refuses a disabled profile, whatever its circuit', () => {
      expect(given().admit('p1', disabled, NOW)).toEqual({ pass: false, reason: 'disabled' });
      expect(given().admit('p1', { ...open(-1), enabled: false }, NOW)).toEqual({ pass: false, reason: 'disabled' });
    });

    it('refuses while the circuit is open and its cooldown runs', () => {
      expect(given().admit('p1', open(1), NOW)).toEqual({ pass: false, reason: 'circuit_open' });
    });

    it('makes the first request after the cooldown the trial, which must half-open the circuit itself', () => {
      expect(given().admit('p1', open(0), NOW)).toEqual({ pass: true, trial: true, halfOpenFirst: true });
    });

    it('makes the first request of a half-open circuit the trial, already half-open', () => {
      expect(given().admit('p1', halfOpen, NOW)).toEqual({ pass: true, trial: true, halfOpenFirst: false });
    });

    it('admits one trial at a time: the others pass the profile by until it is released', () => {
      const breakers = given();
      breakers.admit('p1', halfOpen, NOW);
      expect(breakers.admit('p1', halfOpen, NOW)).toEqual({ pass: false, reason: 'circuit_half_open' });
      expect(breakers.admit('p2', { ...halfOpen, name: 'p2' }, NOW)).toMatchObject({ pass: true, trial: true });
      breakers.release('p1');
      expect(breakers.admit('p1', halfOpen, NOW)).toMatchObject({ pass: true, trial: true });
    });
  });

  describe('counting failures', () => {
    it('says nothing below the threshold', () => {
      const breakers = given(1);
      expect(breakers.failed('p1')).toBeUndefined();
      expect(breakers.consecutiveFailures('p1')).toBe(2);
    });

    it('returns the count when the threshold is reached (the caller opens the circuit), then counts afresh', () => {
      const breakers = given(2);
      expect(breakers.failed('p1')).toBe(3);
      expect(breakers.consecutiveFailures('p1')).toBe(0);
      expect(breakers.failed('p1')).toBeUndefined();
    });

    it('forgets the failures on a success: only consecutive failures open a circuit', () => {
      const breakers = given(2);
      breakers.succeeded('p1');
      expect(breakers.consecutiveFailures('p1')).toBe(0);
      expect(breakers.failed('p1')).toBeUndefined();
    });

    it('keeps each profile its own count', () => {
      const breakers = given(2);
      expect(breakers.failed('p2')).toBeUndefined();
      expect(breakers.failed('p1')).toBe(3);
    });

    it('opens at the first failure with a threshold of one', () => {
      expect(new CircuitBreakers(1).failed('p1')).toBe(1);
    });
  });
});
