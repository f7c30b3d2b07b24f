import { providerFor } from '@switchboard/providers';
import type { KeyView } from '@switchboard/domain';
import { failedTrialQuarantine, probeCandidates, probeResult } from './keeper.logic';

const NOW = Date.parse('2025-01-01T00:00:00Z');
const DEFAULT_COOLDOWN = 60_000;

/** A probe answer as the provider's own classifier sees it, then as the keeper turns it into a result. */
const resultOf = (type: 'openai' | 'gemini' | 'cohere', status: number, body: unknown, headers: Record<string, string> = {}) =>
  probeResult(providerFor(type).classify(status, headers, body, NOW), 42, DEFAULT_COOLDOWN);

describe('probeResult', () => {
  it('is ok with the latency on a 2xx', () => {
    expect(resultOf('openai', 200, { object: 'list', data: [] })).toEqual({ kind: 'ok', latencyMs: 42 });
  });

  it('retires on 401', () => {
    expect(resultOf('openai', 401, { error: { message: 'Incorrect API key provided.' } })).toEqual({
      kind: 'retire',
      reason: 'unauthorized',
      status: 401,
    });
  });

  it("retires on Gemini's 400 API_KEY_INVALID, which is the key's fault, not the request's", () => {
    const body = {
      error: {
        code: 400,
        message: 'API key not valid. Please pass a valid API key.',
        status: 'INVALID_ARGUMENT',
        details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' }],
      },
    };
    expect(resultOf('gemini', 400, body)).toEqual({ kind: 'retire', reason: 'API_KEY_INVALID', status: 400 });
  });

  it('cools down on a 429 for as long as Retry-After says', () => {
    expect(resultOf('openai', 429, { error: { message: 'Rate limit reached.' } }, { 'retry-after': '30' })).toEqual({
      kind: 'rate_limited',
      reason: 'rate_limited',
      status: 429,
      retryAfterMs: 30_000,
    });
  });

  it('cools down on a 402 (quota spent) for the configured default when the provider gives no deadline', () => {
    expect(resultOf('cohere', 402, { message: 'You have run out of credits.' })).toEqual({
      kind: 'rate_limited',
      reason: 'rate_limited',
      status: 402,
      retryAfterMs: DEFAULT_COOLDOWN,
    });
  });

  it('is an error, not a verdict on the key, on a 5xx', () => {
    expect(resultOf('openai', 503, 'upstream overloaded')).toEqual({ kind: 'error', reason: 'upstream_error', status: 503 });
  });

  it('is an error, not a verdict on the key, when the probe request itself is refused (404)', () => {
    expect(resultOf('openai', 404, { error: { message: 'Not found' } })).toMatchObject({ kind: 'error', status: 404 });
  });
});

describe('probeCandidates', () => {
  const view = (fingerprint: string, state: KeyView['state'], reason?: string, untilMs?: number): KeyView => ({
    fingerprint,
    provider: 'p1',
    state,
    updatedAt: '',
    ...(reason ? { reason } : {}),
    ...(untilMs ? { until: new Date(untilMs).toISOString() } : {}),
  });

  it("probes available keys and error quarantines, and a 429's key only once its deadline passed (the probe is its trial)", () => {
    const keys = [
      view('available', 'available'),
      view('erroring', 'quarantined', 'upstream_error', NOW + 60_000),
      view('limited', 'quarantined', 'rate_limited', NOW + 60_000),
      view('limit-over', 'quarantined', 'rate_limited', NOW),
      view('retired', 'retired', 'invalid api key'),
      view('removed', 'removed'),
    ];
    expect(probeCandidates(keys, NOW).map((k) => k.fingerprint)).toEqual(['available', 'erroring', 'limit-over']);
  });
});

describe('failedTrialQuarantine', () => {
  it('cools a key down again when its trial probe met a 5xx, a timeout or a reset', () => {
    expect(failedTrialQuarantine({ kind: 'error', reason: 'upstream_error', status: 503 })).toBe('upstream_error');
    expect(failedTrialQuarantine({ kind: 'error', reason: 'timeout' })).toBe('timeout');
    expect(failedTrialQuarantine({ kind: 'error', reason: 'connection_error' })).toBe('connection_error');
  });

  it('leaves it half-open when the answer says nothing about the key, and to the probe record for verdicts', () => {
    expect(failedTrialQuarantine({ kind: 'error', reason: 'not found', status: 404 })).toBeUndefined();
    expect(failedTrialQuarantine({ kind: 'error', reason: 'probe_error:TypeError' })).toBeUndefined();
    expect(failedTrialQuarantine({ kind: 'rate_limited', reason: 'rate_limited', status: 429, retryAfterMs: 1_000 })).toBeUndefined();
    expect(failedTrialQuarantine({ kind: 'ok', latencyMs: 5 })).toBeUndefined();
  });
});
