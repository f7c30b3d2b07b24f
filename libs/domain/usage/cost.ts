/** What one model costs, in US dollars per million tokens (config `prices.<model>`). */
export interface ModelPrice {
  inputPerMtok: number;
  outputPerMtok: number;
}

/** `prices` from the config: keyed by the model as the provider calls it (a chain's `model`). */
export type Prices = Readonly<Record<string, ModelPrice>>;

/** Token counts as an upstream reports them; embeddings have no completion tokens. */
export interface TokenUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
}

/**
 * The one place a request's cost is computed (usage rollups, `requests.completed`, budgets).
 * A model without a price, or a request without usage, costs 0: an unpriced model is not an
 * error, and a budget counts only what the operator priced. Rounded to 1e-10 USD so sums of
 * many small costs stay exact enough to compare.
 */
export function costUsd(prices: Prices, model: string, usage: TokenUsage | undefined): number {
  const price = prices[model];
  if (!price || !usage) return 0;
  const input = nonNegative(usage.prompt_tokens) * price.inputPerMtok;
  const output = nonNegative(usage.completion_tokens) * price.outputPerMtok;
  return Math.round((input + output) * 1e4) / 1e10;
}

function nonNegative(n: number | undefined): number {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : 0;
}
