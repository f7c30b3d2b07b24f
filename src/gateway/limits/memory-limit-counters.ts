import {
  PARALLEL_RETRY_MS,
  WINDOW_MS,
  tighter,
  type Admission,
  type LimitCounters,
  type LimitRule,
  type SpendRule,
  type Usage,
  type WindowState,
} from './limit-counters';

interface Counter {
  requests: number;
  requestsEnd: number;
  tokens: number;
  tokensEnd: number;
  inFlight: number;
}

interface PeriodUsage extends Usage {
  period: string;
  endsAt: number;
}

/** One process's counters: a few map reads and writes per request, no promise. */
export class MemoryLimitCounters implements LimitCounters {
  private readonly counters = new Map<string, Counter>();
  /** By client: the current period's usage. */
  private readonly periods = new Map<string, PeriodUsage>();

  admit(rules: readonly LimitRule[], spend: SpendRule | undefined, now: number): Admission {
    for (const rule of rules) {
      const c = this.counter(rule.id, now);
      if (rule.rpm !== undefined && c.requests >= rule.rpm) return { refused: 'rpm', retryAfterMs: c.requestsEnd - now };
      if (rule.tpm !== undefined && c.tokens >= rule.tpm) return { refused: 'tpm', retryAfterMs: c.tokensEnd - now };
      if (rule.maxParallel !== undefined && c.inFlight >= rule.maxParallel)
        return { refused: 'max_parallel', retryAfterMs: PARALLEL_RETRY_MS };
    }
    const period = spend && this.period(spend, now);
    if (spend?.budgetUsd !== undefined && period!.spendUsd >= spend.budgetUsd) {
      return { refused: 'budget', retryAfterMs: spend.periodEndsAt - now };
    }
    let requests: WindowState | undefined;
    let tokens: WindowState | undefined;
    for (const rule of rules) {
      const c = this.counters.get(rule.id)!;
      if (c.requests === 0) c.requestsEnd = now + WINDOW_MS;
      c.requests++;
      c.inFlight++;
      if (rule.rpm !== undefined)
        requests = tighter(requests, { limit: rule.rpm, remaining: rule.rpm - c.requests, resetMs: c.requestsEnd - now });
      if (rule.tpm !== undefined)
        tokens = tighter(tokens, {
          limit: rule.tpm,
          remaining: Math.max(0, rule.tpm - c.tokens),
          resetMs: c.tokens === 0 ? WINDOW_MS : c.tokensEnd - now,
        });
    }
    if (period) period.requests++;
    return { retryAfterMs: 0, requests, tokens };
  }

  release(rules: readonly LimitRule[]): void {
    for (const rule of rules) {
      const c = this.counters.get(rule.id);
      if (c && c.inFlight > 0) c.inFlight--;
    }
  }

  charge(rules: readonly LimitRule[], spend: SpendRule | undefined, tokens: number, usd: number, now: number): void {
    for (const rule of rules) {
      const c = this.counter(rule.id, now);
      if (c.tokens === 0) c.tokensEnd = now + WINDOW_MS;
      c.tokens += tokens;
    }
    if (spend) {
      const period = this.period(spend, now);
      period.tokens += tokens;
      period.spendUsd += usd;
    }
  }

  usage(client: string, period: string): Promise<Usage> {
    const found = this.periods.get(client);
    return Promise.resolve(
      found?.period === period
        ? { requests: found.requests, tokens: found.tokens, spendUsd: found.spendUsd }
        : { requests: 0, tokens: 0, spendUsd: 0 },
    );
  }

  close(): Promise<void> {
    this.counters.clear();
    this.periods.clear();
    return Promise.resolve();
  }

  /** The rule's counter with its ended windows reset (in flight survives a window). */
  private counter(id: string, now: number): Counter {
    let c = this.counters.get(id);
    if (!c) {
      c = { requests: 0, requestsEnd: 0, tokens: 0, tokensEnd: 0, inFlight: 0 };
      this.counters.set(id, c);
    }
    if (c.requests > 0 && now >= c.requestsEnd) c.requests = 0;
    if (c.tokens > 0 && now >= c.tokensEnd) c.tokens = 0;
    return c;
  }

  private period(spend: SpendRule, now: number): PeriodUsage {
    let p = this.periods.get(spend.client);
    if (!p || p.period !== spend.period || now >= p.endsAt) {
      // One period per client: the one that rolled over is dropped.
      p = { period: spend.period, requests: 0, tokens: 0, spendUsd: 0, endsAt: spend.periodEndsAt };
      this.periods.set(spend.client, p);
    }
    return p;
  }
}
