import { fullJitterDelay, sleep } from './backoff';

/** A random source that always draws `value`. */
const draws = (value: number) => () => value;

describe('fullJitterDelay', () => {
  it('draws in [0, base] before the second pass', () => {
    expect(fullJitterDelay(1, 100, 10_000, draws(0))).toBe(0);
    expect(fullJitterDelay(1, 100, 10_000, draws(0.5))).toBe(50);
    expect(fullJitterDelay(1, 100, 10_000, draws(0.999))).toBe(99);
  });

  it('doubles the ceiling each round', () => {
    expect([1, 2, 3, 4].map((round) => fullJitterDelay(round, 100, 10_000, draws(0.5)))).toEqual([50, 100, 200, 400]);
  });

  it('never lets the ceiling pass max', () => {
    expect(fullJitterDelay(10, 100, 1_000, draws(0.5))).toBe(500);
    expect(fullJitterDelay(50, 100, 1_000, draws(0.999))).toBeLessThan(1_000);
  });

  it('spreads the clients of one round over the whole window, so they do not retry in step', () => {
    const delays = [0.1, 0.4, 0.7].map((r) => fullJitterDelay(3, 100, 10_000, draws(r)));
    expect(delays).toEqual([40, 160, 280]);
  });

  it('treats a round below 1 as the first', () => {
    expect(fullJitterDelay(0, 100, 10_000, draws(0.5))).toBe(50);
  });
});

describe('sleep', () => {
  it('resolves at once, without throwing, when the signal is already aborted', async () => {
    await expect(sleep(60_000, AbortSignal.abort())).resolves.toBeUndefined();
  });

  it('resolves early, without throwing, when the signal aborts during the wait', async () => {
    const controller = new AbortController();
    const waited = sleep(60_000, controller.signal);
    controller.abort();
    await expect(waited).resolves.toBeUndefined();
  });

  it('resolves after the time when nothing aborts it', async () => {
    jest.useFakeTimers();
    try {
      let done = false;
      const waited = sleep(1_000).then(() => (done = true));
      jest.advanceTimersByTime(999);
      await Promise.resolve();
      expect(done).toBe(false);
      jest.advanceTimersByTime(1);
      await waited;
      expect(done).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });
});
