import { costUsd, type Prices } from './cost';

const prices: Prices = {
  'gpt-4o': { inputPerMtok: 2.5, outputPerMtok: 10 },
  'text-embedding-3-small': { inputPerMtok: 0.02, outputPerMtok: 0 },
};

describe('costUsd', () => {
  it('charges prompt tokens at the input price and completion tokens at the output price', () => {
    expect(costUsd(prices, 'gpt-4o', { prompt_tokens: 1_000_000, completion_tokens: 1_000_000 })).toBe(12.5);
    expect(costUsd(prices, 'gpt-4o', { prompt_tokens: 1200, completion_tokens: 300 })).toBeCloseTo(0.006, 12);
  });

  it('charges an embedding, which has no completion tokens, for its input only', () => {
    expect(costUsd(prices, 'text-embedding-3-small', { prompt_tokens: 500_000 })).toBe(0.01);
  });

  it('costs nothing for a model without a price or a request without usage', () => {
    expect(costUsd(prices, 'unpriced-model', { prompt_tokens: 10, completion_tokens: 10 })).toBe(0);
    expect(costUsd(prices, 'gpt-4o', undefined)).toBe(0);
  });

  it('ignores negative or non-numeric counts instead of paying them back', () => {
    expect(costUsd(prices, 'gpt-4o', { prompt_tokens: -5, completion_tokens: Number.NaN })).toBe(0);
  });

  it('keeps single-token costs representable (no rounding to zero)', () => {
    expect(costUsd(prices, 'gpt-4o', { prompt_tokens: 1, completion_tokens: 0 })).toBe(0.0000025);
  });
});
