import type { LimitCounters, LimitRule, SpendRule } from './limit-counters';

const t0 = Date.parse('2025-01-31T12:00:00.000Z');
const dayEnd = Date.parse('2025-02-01T00:00:00.000Z');

/**
 * The behaviour every `LimitCounters` adapter shares. `make` returns fresh, empty counters; the
 * Redis adapter reads Redis's own clock for window expiry, so only the memory adapter is asked
 * about time passing (`timeTravels`).
 */
export function describeLimitCountersContract(name: string, make: () => Promise<LimitCounters>, opts: { timeTravels: boolean }): void {
  describe(`LimitCounters contract: ${name}`, () => {
    let counters: LimitCounters;
    beforeEach(async () => {
      counters = await make();
    });
    afterEach(() => counters.close());

    const client = (limits: Omit<LimitRule, 'id'>): LimitRule => ({ id: 'c:bot', ...limits });
    const spend = (budgetUsd?: number): SpendRule => ({ client: 'bot', period: '2025-01-31', periodEndsAt: dayEnd, budgetUsd });

    it('admits rpm requests in a window, then refuses with the time until it ends', async () => {
      const rules = [client({ rpm: 3 })];
      const remaining: number[] = [];
      for (let i = 0; i < 3; i++) {
        const a = await counters.admit(rules, undefined, t0);
        expect(a.refused).toBeUndefined();
        remaining.push(a.requests!.remaining);
        expect(a.requests!.limit).toBe(3);
        expect(a.requests!.resetMs).toBeGreaterThan(0);
        expect(a.requests!.resetMs).toBeLessThanOrEqual(60_000);
      }
      expect(remaining).toEqual([2, 1, 0]);
      const refused = await counters.admit(rules, undefined, t0 + 1);
      expect(refused.refused).toBe('rpm');
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(60_000);
    });

    if (opts.timeTravels) {
      it('opens a new window once the minute has passed', async () => {
        const rules = [client({ rpm: 1 })];
        expect((await counters.admit(rules, undefined, t0)).refused).toBeUndefined();
        expect((await counters.admit(rules, undefined, t0 + 59_000)).refused).toBe('rpm');
        expect((await counters.admit(rules, undefined, t0 + 60_000)).refused).toBeUndefined();
      });
    }

    it('refuses once the tokens charged reach tpm (the request that crosses it was already admitted)', async () => {
      const rules = [client({ tpm: 1000 })];
      for (let i = 0; i < 2; i++) {
        const a = await counters.admit(rules, undefined, t0);
        expect(a.refused).toBeUndefined();
        await counters.charge(rules, undefined, 600, 0, t0);
      }
      const third = await counters.admit(rules, undefined, t0);
      expect(third.refused).toBe('tpm');
      expect(third.retryAfterMs).toBeGreaterThan(0);
    });

    it('reports the tokens left in the window', async () => {
      const rules = [client({ tpm: 1000 })];
      await counters.admit(rules, undefined, t0);
      await counters.charge(rules, undefined, 250, 0, t0);
      expect((await counters.admit(rules, undefined, t0)).tokens).toMatchObject({ limit: 1000, remaining: 750 });
    });

    it('holds max_parallel slots until they are released', async () => {
      const rules = [client({ maxParallel: 2 })];
      expect((await counters.admit(rules, undefined, t0)).refused).toBeUndefined();
      expect((await counters.admit(rules, undefined, t0)).refused).toBeUndefined();
      const third = await counters.admit(rules, undefined, t0);
      expect(third.refused).toBe('max_parallel');
      expect(third.retryAfterMs).toBeGreaterThan(0);
      await counters.release(rules);
      expect((await counters.admit(rules, undefined, t0)).refused).toBeUndefined();
    });

    it('a release never takes the count below zero', async () => {
      const rules = [client({ maxParallel: 1 })];
      await counters.release(rules);
      await counters.release(rules);
      expect((await counters.admit(rules, undefined, t0)).refused).toBeUndefined();
      expect((await counters.admit(rules, undefined, t0)).refused).toBe('max_parallel');
    });

    it('counts against every rule, and one full rule refuses without counting the others', async () => {
      const alias: LimitRule = { id: 'a:main-gpt', rpm: 1 };
      const other: LimitRule = { id: 'c:other', rpm: 5 };
      expect((await counters.admit([other, alias], undefined, t0)).refused).toBeUndefined();
      const refused = await counters.admit([client({ rpm: 5 }), alias], undefined, t0);
      expect(refused.refused).toBe('rpm');
      // The refused request took nothing from the client's own window.
      expect((await counters.admit([client({ rpm: 5 })], undefined, t0)).requests!.remaining).toBe(4);
    });

    it('refuses once the spend of the period reaches the budget, until the period ends', async () => {
      const rules = [client({})];
      for (let i = 0; i < 2; i++) {
        expect((await counters.admit(rules, spend(0.01), t0)).refused).toBeUndefined();
        await counters.charge(rules, spend(0.01), 100, 0.006, t0);
      }
      const third = await counters.admit(rules, spend(0.01), t0);
      expect(third.refused).toBe('budget');
      expect(third.retryAfterMs).toBeGreaterThan(0);
      expect(third.retryAfterMs).toBeLessThanOrEqual(dayEnd - t0);
    });

    it('keeps the usage of a period: requests admitted, tokens and spend charged', async () => {
      const rules = [client({})];
      await counters.admit(rules, spend(), t0);
      await counters.admit(rules, spend(), t0);
      await counters.charge(rules, spend(), 120, 0.0025, t0);
      const usage = await counters.usage('bot', '2025-01-31');
      expect(usage.requests).toBe(2);
      expect(usage.tokens).toBe(120);
      expect(usage.spendUsd).toBeCloseTo(0.0025, 10);
      expect(await counters.usage('bot', '2025-01-30')).toEqual({ requests: 0, tokens: 0, spendUsd: 0 });
    });
  });
}
