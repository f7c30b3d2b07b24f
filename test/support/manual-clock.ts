import type { Clock } from '../../src/gateway/tokens';

/** A clock a test moves by hand: cooldowns pass when the test says so, however slow the machine. */
export interface ManualClock extends Clock {
  advance(ms: number): void;
}

export function manualClock(start = Date.now()): ManualClock {
  let now = start;
  return {
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
  };
}
