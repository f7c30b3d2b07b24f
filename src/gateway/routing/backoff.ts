import { onCancel, type CancelSignal } from '@switchboard/providers';

/**
 * "Full jitter" exponential backoff: a uniform draw in [0, min(max, base * 2^(round-1))], which
 * spreads the retries of many clients instead of letting them hit a recovering upstream in step.
 * `round` counts from 1 (the wait before the second pass over the chain).
 */
export function fullJitterDelay(round: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, round - 1));
  return Math.floor(random() * ceiling);
}

/** Resolves after `ms`, or early (without throwing) when the signal aborts. */
export function sleep(ms: number, signal?: CancelSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      stopListening();
      resolve();
    };
    const timer = setTimeout(done, ms);
    const stopListening = signal ? onCancel(signal, done) : () => undefined;
  });
}
