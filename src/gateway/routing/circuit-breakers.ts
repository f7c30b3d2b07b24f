import type { ProviderView } from '@switchboard/domain';

/** Why a profile was passed over without an upstream call. */
export type SkipReason = 'disabled' | 'circuit_open' | 'circuit_half_open';

export type Admission =
  | { pass: true; trial: false }
  /** The circuit is open past its cooldown or half-open: this request is its one trial. */
  | { pass: true; trial: true; halfOpenFirst: boolean }
  | { pass: false; reason: SkipReason };

const PASS: Admission = { pass: true, trial: false };

/**
 * The in-memory half of the circuit breaker. The circuit's state is a fact in the event store
 * (read from the provider-health projection); what is only this process's business stays here:
 * the consecutive-failure counter that decides when to open it, and which profile's single
 * half-open trial is in flight.
 */
export class CircuitBreakers {
  private readonly failures = new Map<string, number>();
  private readonly trials = new Set<string>();

  constructor(private readonly failureThreshold: number) {}

  /** May this request call the profile? Takes the trial slot when it is the half-open trial. */
  admit(name: string, view: ProviderView | undefined, nowMs: number): Admission {
    if (view === undefined || (view.circuit === 'closed' && view.enabled)) return PASS;
    if (!view.enabled) return { pass: false, reason: 'disabled' };
    if (view.circuit === 'open' && view.until !== undefined && Date.parse(view.until) > nowMs) {
      return { pass: false, reason: 'circuit_open' };
    }
    if (this.trials.has(name)) return { pass: false, reason: 'circuit_half_open' };
    this.trials.add(name);
    return { pass: true, trial: true, halfOpenFirst: view.circuit === 'open' };
  }

  /** The trial is over, whatever it found. */
  release(name: string): void {
    this.trials.delete(name);
  }

  succeeded(name: string): void {
    if (this.failures.size > 0) this.failures.delete(name);
  }

  /**
   * Counts one failure that is the provider's (5xx, timeout, reset; never a rate limit).
   * Returns the consecutive count when it reaches the threshold (the caller opens the circuit),
   * and starts counting afresh.
   */
  failed(name: string): number | undefined {
    const count = (this.failures.get(name) ?? 0) + 1;
    if (count < this.failureThreshold) {
      this.failures.set(name, count);
      return undefined;
    }
    this.failures.delete(name);
    return count;
  }

  consecutiveFailures(name: string): number {
    return this.failures.get(name) ?? 0;
  }
}
