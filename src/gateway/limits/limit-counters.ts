/**
 * The counters behind rate limits and budgets: in memory for one process, in Redis when replicas
 * must share one limit. Every adapter passes `limit-counters.contract.ts`.
 *
 * Windows are fixed, one minute long, opened by their first request (a window's reset is when it
 * ends): simple to reason about and the same in both adapters.
 */

/** One set of limits a request counts against: a client (`c:<name>`) or an alias (`a:<alias>`). */
export interface LimitRule {
  id: string;
  rpm?: number;
  tpm?: number;
  maxParallel?: number;
}

/** A client's spend for one budget period (`2025-01-31` per day, `2025-01` per month). */
export interface SpendRule {
  client: string;
  period: string;
  /** Epoch ms the period ends (the spend counter's expiry, a refusal's Retry-After). */
  periodEndsAt: number;
  /** Refuse once this much is spent; absent: only count. */
  budgetUsd?: number;
}

/** Where a window stands after an admission: the `x-ratelimit-*` headers. */
export interface WindowState {
  limit: number;
  remaining: number;
  resetMs: number;
}

export type LimitName = 'rpm' | 'tpm' | 'max_parallel' | 'budget';

export interface Admission {
  /** Which limit refused the request; absent when it was admitted (and counted). */
  refused?: LimitName;
  /** For a refusal: how long until it could pass. */
  retryAfterMs: number;
  /** The tightest requests-per-minute window among the rules, when any has one. */
  requests?: WindowState;
  /** The tightest tokens-per-minute window, when any rule has one. */
  tokens?: WindowState;
}

export interface Usage {
  requests: number;
  tokens: number;
  spendUsd: number;
}

export interface LimitCounters {
  /**
   * Checks every rule and the budget, and only when all pass counts the request (a request in
   * each window, one in flight, one in the period's usage), atomically.
   */
  admit(rules: readonly LimitRule[], spend: SpendRule | undefined, now: number): Admission | Promise<Admission>;
  /** The request ended: its slots in flight are free again. */
  release(rules: readonly LimitRule[]): void | Promise<void>;
  /** The answer reported `tokens` costing `usd`: charged to every rule's token window and the period's usage. */
  charge(rules: readonly LimitRule[], spend: SpendRule | undefined, tokens: number, usd: number, now: number): void | Promise<void>;
  /** A client's usage in one period (zeros when nothing was counted). */
  usage(client: string, period: string): Promise<Usage>;
  close(): Promise<void>;
}

export const WINDOW_MS = 60_000;
/** How long a refusal for "too many in flight" asks the client to wait: a slot frees when any request ends. */
export const PARALLEL_RETRY_MS = 1_000;

/** The tightest window: the one with the fewest requests (or tokens) left. */
export function tighter(current: WindowState | undefined, next: WindowState): WindowState {
  return current === undefined || next.remaining < current.remaining ? next : current;
}
