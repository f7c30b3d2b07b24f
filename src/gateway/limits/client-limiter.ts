import type { ClientLimits, ClientView } from '@switchboard/domain';
import type { LimitCounters, LimitName, LimitRule, SpendRule, Usage, WindowState } from './limit-counters';

/** Limits shared by every client of an alias (`models.<alias>.rpm|tpm|max_parallel`). */
export type AliasLimits = Omit<ClientLimits, 'budget'>;

/** What an admitted request carries to its end: the rules to release and to charge tokens to. */
export interface Ticket {
  readonly rules: readonly LimitRule[];
  readonly spend: SpendRule | undefined;
}

/**
 * The answer to "may this request go on": the windows its `x-ratelimit-*` headers tell of
 * (`writeRateLimitHeaders`), or a refusal to send with its headers.
 */
export type Verdict =
  | { ok: true; ticket: Ticket; requests: WindowState | undefined; tokens: WindowState | undefined }
  | { ok: false; status: 429 | 503; message: string; code: string; headers: Record<string, string> };

export interface LimiterHooks {
  /** The counters could not be reached (Redis down): count it, log it (throttled by the caller). */
  storeFailed(error: unknown, failOpen: boolean): void;
  refused(limit: LimitName): void;
}

interface CachedRule {
  readonly prefix: 'c:' | 'a:';
  readonly name: string;
  readonly rule: LimitRule;
  /** The rule alone, as `rules` answers it. */
  readonly alone: readonly LimitRule[];
  /** The client's rule with the alias's, and which alias rule that pair was made with. */
  pair: readonly LimitRule[] | undefined;
  pairedWith: LimitRule | undefined;
}

const OPEN: Ticket = Object.freeze({ rules: Object.freeze([]) as readonly LimitRule[], spend: undefined });
const NOTHING: Verdict = Object.freeze({ ok: true, ticket: OPEN, requests: undefined, tokens: undefined });

const MESSAGES: Record<LimitName, string> = {
  rpm: 'Rate limit reached: requests per minute.',
  tpm: 'Rate limit reached: tokens per minute.',
  max_parallel: 'Rate limit reached: too many requests in flight.',
  budget: 'You exceeded your current quota: the budget of this period is spent.',
};

/**
 * Client and alias limits around the request path. A request without a client or alias limit
 * takes the `NOTHING` fast path (no allocation); the rest costs one `admit` on the counters and,
 * when the answer is in, one `release` and one `charge`.
 */
export class ClientLimiter {
  /** Rules per limits object (a client's, an alias's): rebuilt only when limits change. */
  private readonly ruleCache = new WeakMap<object, CachedRule>();
  /** Each client's current budget period. */
  private readonly spendCache = new WeakMap<ClientView, { budget: ClientLimits['budget']; startsAt: number; rule: SpendRule }>();

  /** By alias name; replaced as a whole when the config changes. */
  aliasLimits: ReadonlyMap<string, AliasLimits> = new Map();

  constructor(
    private readonly counters: LimitCounters,
    private readonly failOpen: boolean,
    private readonly hooks: LimiterHooks,
    private readonly now: () => number = Date.now,
  ) {}

  admit(client: ClientView | null, alias: string): Verdict | Promise<Verdict> {
    const rules = this.rules(client, alias);
    if (rules === undefined) return NOTHING;
    const now = this.now();
    const spend = client ? this.spend(client, now) : undefined;
    try {
      const admission = this.counters.admit(rules, spend, now);
      if (admission instanceof Promise)
        return admission.then(
          (a) => this.verdict(a, rules, spend),
          (e) => this.unreachable(e, rules, spend),
        );
      return this.verdict(admission, rules, spend);
    } catch (error) {
      return this.unreachable(error, rules, spend);
    }
  }

  /** The request ended (answered, refused upstream, or the client left): free its slots in flight. */
  release(ticket: Ticket): void {
    if (ticket.rules.length === 0) return;
    this.quietly(() => this.counters.release(ticket.rules));
  }

  /** Whether a request of this client to this alias is counted at all (else its usage need not be read). */
  counts(client: ClientView | undefined, alias: string | null): boolean {
    return client !== undefined || (alias !== null && this.aliasLimits.has(alias));
  }

  /** A finished request's answer reported `tokens` costing `usd`: charged to its client's and alias's windows and period. */
  charge(client: ClientView | undefined, alias: string | null, tokens: number, usd: number): void {
    if (tokens <= 0 && usd <= 0) return;
    const rules = this.rules(client ?? null, alias ?? '');
    if (rules === undefined) return;
    const now = this.now();
    const spend = client ? this.spend(client, now) : undefined;
    this.quietly(() => this.counters.charge(rules, spend, Math.round(tokens), usd, now));
  }

  /** A client's usage in its current budget period (a month when it has no budget). */
  async usage(client: ClientView): Promise<Usage & { period: string }> {
    const spend = spendRule(client, this.now());
    return { period: spend.period, ...(await this.counters.usage(client.name, spend.period)) };
  }

  private verdict(
    admission: { refused?: LimitName; retryAfterMs: number; requests?: WindowState; tokens?: WindowState },
    rules: readonly LimitRule[],
    spend: SpendRule | undefined,
  ): Verdict {
    if (admission.refused === undefined)
      return { ok: true, ticket: { rules, spend }, requests: admission.requests, tokens: admission.tokens };
    this.hooks.refused(admission.refused);
    const retryAfter = Math.max(1, Math.ceil(admission.retryAfterMs / 1000));
    const headers: Record<string, string> = { 'retry-after': String(retryAfter) };
    // The refused window, spent until it resets.
    const spent = (limit: number | undefined): WindowState | undefined =>
      limit === undefined ? undefined : { limit, remaining: 0, resetMs: admission.retryAfterMs };
    if (admission.refused === 'rpm') writeRateLimitHeaders(headers, spent(minOf(rules, 'rpm')), undefined);
    if (admission.refused === 'tpm') writeRateLimitHeaders(headers, undefined, spent(minOf(rules, 'tpm')));
    const budget = admission.refused === 'budget';
    return {
      ok: false,
      status: 429,
      message: MESSAGES[admission.refused],
      code: budget ? 'insufficient_quota' : 'rate_limit_exceeded',
      headers,
    };
  }

  private unreachable(error: unknown, rules: readonly LimitRule[], spend: SpendRule | undefined): Verdict {
    this.hooks.storeFailed(error, this.failOpen);
    if (this.failOpen) return { ok: true, ticket: { rules, spend }, requests: undefined, tokens: undefined };
    return {
      ok: false,
      status: 503,
      message: 'Rate limits cannot be checked right now (limits.on_redis_error: deny); retry shortly.',
      code: 'limits_unavailable',
      headers: { 'retry-after': '1' },
    };
  }

  /** The client's and the alias's rules; undefined when neither limits nor counts anything. */
  private rules(client: ClientView | null, alias: string): readonly LimitRule[] | undefined {
    const clientRules = client ? this.rule('c:', client.name, client.limits) : undefined;
    const aliasLimits = this.aliasLimits.get(alias);
    if (!aliasLimits) return clientRules?.alone;
    const aliasRules = this.rule('a:', alias, aliasLimits);
    if (!clientRules) return aliasRules.alone;
    // Both: the pair is kept beside the client's rule, for as long as the alias's rule is the same.
    if (clientRules.pairedWith !== aliasRules.rule) clientRules.pair = [clientRules.rule, (clientRules.pairedWith = aliasRules.rule)];
    return clientRules.pair;
  }

  /** One rule per limits object, made when limits change: no id built per request. */
  private rule(prefix: 'c:' | 'a:', name: string, limits: Omit<ClientLimits, 'budget'>): CachedRule {
    let cached = this.ruleCache.get(limits);
    if (!cached || cached.name !== name || cached.prefix !== prefix) {
      const rule = { id: prefix + name, rpm: limits.rpm, tpm: limits.tpm, maxParallel: limits.maxParallel };
      cached = { prefix, name, rule, alone: [rule], pair: undefined, pairedWith: undefined };
      this.ruleCache.set(limits, cached);
    }
    return cached;
  }

  /** The client's current budget period, made once per client and period (not a Date per request). */
  private spend(client: ClientView, now: number): SpendRule {
    const cached = this.spendCache.get(client);
    if (cached && cached.budget === client.limits.budget && now >= cached.startsAt && now < cached.rule.periodEndsAt) return cached.rule;
    const rule = spendRule(client, now);
    this.spendCache.set(client, { budget: client.limits.budget, startsAt: periodStart(client, now), rule });
    return rule;
  }

  private quietly(run: () => void | Promise<void>): void {
    try {
      const pending = run();
      if (pending instanceof Promise) pending.catch((error: unknown) => this.hooks.storeFailed(error, this.failOpen));
    } catch (error) {
      this.hooks.storeFailed(error, this.failOpen);
    }
  }
}

/** The client's budget period (UTC day or month; a month without a budget, for its usage). */
export function spendRule(client: ClientView, now: number): SpendRule {
  const d = new Date(now);
  const budget = client.limits.budget;
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  if (budget?.per === 'day') {
    return {
      client: client.name,
      period: d.toISOString().slice(0, 10),
      periodEndsAt: Date.UTC(y, m, d.getUTCDate() + 1),
      budgetUsd: budget.usd,
    };
  }
  return { client: client.name, period: d.toISOString().slice(0, 7), periodEndsAt: Date.UTC(y, m + 1, 1), budgetUsd: budget?.usd };
}

/** Where `client`'s current budget period began (epoch ms): `spendRule`'s period holds from it to its `periodEndsAt`. */
function periodStart(client: ClientView, now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), client.limits.budget?.per === 'day' ? d.getUTCDate() : 1);
}

/**
 * OpenAI's `x-ratelimit-*` trio for requests and for tokens, for the windows that have a limit
 * (an admitted request's, or a refusal's spent window), stored by fixed name into a headers object
 * (the reply's own, `replyHeaders`, on the hot path): through `reply.header` each was lower-cased
 * and stored by computed name.
 */
export function writeRateLimitHeaders(
  headers: Record<string, string>,
  requests: WindowState | undefined,
  tokens: WindowState | undefined,
): void {
  if (requests) {
    headers['x-ratelimit-limit-requests'] = String(requests.limit);
    headers['x-ratelimit-remaining-requests'] = String(Math.max(0, requests.remaining));
    headers['x-ratelimit-reset-requests'] = resetText(requests.resetMs);
  }
  if (tokens) {
    headers['x-ratelimit-limit-tokens'] = String(tokens.limit);
    headers['x-ratelimit-remaining-tokens'] = String(Math.max(0, tokens.remaining));
    headers['x-ratelimit-reset-tokens'] = resetText(tokens.resetMs);
  }
}

/** A window's reset as the headers tell it: whole seconds, rounded up. */
function resetText(resetMs: number): string {
  return `${Math.max(0, Math.ceil(resetMs / 1000))}s`;
}

function minOf(rules: readonly LimitRule[], field: 'rpm' | 'tpm'): number | undefined {
  let min: number | undefined;
  for (const rule of rules) {
    const value = rule[field];
    if (value !== undefined && (min === undefined || value < min)) min = value;
  }
  return min;
}
