import { requestCostUsd, type Attempt } from '../routing/request-record';
import type { RouteResult } from '../routing/route-result';
import type { RouteTarget } from '../routing/route-table';
import { SessionMeter } from './session-meter';

const PRICES = { 'gpt-4o': { inputPerMtok: 2.5, outputPerMtok: 10 }, 'gpt-4o-mini': { inputPerMtok: 0.15, outputPerMtok: 0.6 } };

const attempt = (profile: string, model: string, outcome: Attempt['outcome'], status: number | null): Attempt => ({
  profile,
  model,
  key: `fp-${profile}`,
  status,
  outcome,
  reason: outcome,
  ms: 1,
});

/** A model call answered by `profile`'s `model`, after the `failed` attempts, with this usage. */
function served(profile: string, model: string, usage: Record<string, number> | undefined, failed: Attempt[] = []): RouteResult {
  const body = Buffer.from(JSON.stringify({ model: `${model}-2024`, choices: [], ...(usage ? { usage } : {}) }));
  return {
    kind: 'served',
    target: { name: profile, model } as RouteTarget,
    fingerprint: `fp-${profile}`,
    ctx: {} as never,
    status: 200,
    headers: {},
    attempts: [...failed, attempt(profile, model, 'ok', 200)],
    body,
  };
}

const origin = { requestId: 'r1', client: 'team-a', endpoint: '/v1/react/sessions' as const, alias: 'agent', stream: true, startedAt: 0 };

describe('SessionMeter', () => {
  it('sums the usage of every answered call and names the last one', () => {
    const meter = new SessionMeter(origin);
    meter.called(served('main', 'gpt-4o', { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 }));
    meter.called(served('backup', 'gpt-4o-mini', { prompt_tokens: 1000, completion_tokens: 100, total_tokens: 1100 }));
    const record = meter.record(200);
    expect(record).toMatchObject({
      requestId: 'r1',
      client: 'team-a',
      endpoint: '/v1/react/sessions',
      alias: 'agent',
      status: 200,
      profile: 'backup',
      model: 'gpt-4o-mini',
      key: 'fp-backup',
      responseModel: 'gpt-4o-mini-2024',
      usage: { prompt_tokens: 1100, completion_tokens: 120, total_tokens: 1220 },
    });
  });

  it('costs each call at its own model price', () => {
    const meter = new SessionMeter(origin);
    meter.called(served('main', 'gpt-4o', { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 }));
    meter.called(served('backup', 'gpt-4o-mini', { prompt_tokens: 1000, completion_tokens: 100, total_tokens: 1100 }));
    // 100 × 2.5 + 20 × 10 = 450 µ$ at gpt-4o; 1000 × 0.15 + 100 × 0.6 = 210 µ$ at gpt-4o-mini.
    expect(requestCostUsd(meter.record(200), PRICES)).toBe(0.00066);
  });

  it('keeps every attempt of every call in order, failed calls included, and no usage when none was reported', () => {
    const meter = new SessionMeter(origin);
    meter.called({ kind: 'exhausted', attempts: [attempt('main', 'gpt-4o', 'quarantine', 503)], skipped: [], keysSkipped: 0 });
    meter.called(served('main', 'gpt-4o', undefined, [attempt('main', 'gpt-4o', 'retire', 401)]));
    const record = meter.record(200);
    expect(record.attempts.map((a) => a.outcome)).toEqual(['quarantine', 'retire', 'ok']);
    expect(record.usage).toBeNull();
    expect(requestCostUsd(record, PRICES)).toBe(0);
  });

  it('a session no model answered names no profile, and costs nothing', () => {
    const meter = new SessionMeter(origin);
    meter.called({ kind: 'aborted', attempts: [] });
    expect(meter.record(499)).toMatchObject({ status: 499, profile: null, model: null, key: null, usage: null, attempts: [] });
  });

  it('times its first output on a stream only', () => {
    const streamed = new SessionMeter(origin);
    streamed.firstOutput();
    expect(streamed.record(200).firstTokenMs).toEqual(expect.any(Number));
    const whole = new SessionMeter({ ...origin, stream: false });
    whole.firstOutput();
    expect(whole.record(200).firstTokenMs).toBeNull();
  });
});
