import type { RecordedEvent } from '@switchboard/event-store';
import { UsageRollup, type FinishedUsage } from './usage-rollup';
import { UsageProjection } from './usage.projection';
import { usageStream, type UsageRecordedData } from './usage.events';

const T0 = Date.parse('2026-12-06T10:00:00.000Z');
const request = (over: Partial<FinishedUsage> = {}): FinishedUsage => ({
  client: 'team-a',
  alias: 'main-gpt',
  profile: 'openai_main',
  model: 'gpt-4o',
  status: 200,
  inputTokens: 10,
  outputTokens: 5,
  costUsd: 0.0001,
  ...over,
});

let position = 0n;
const recorded = (data: UsageRecordedData, revision = 0): RecordedEvent => ({
  stream: usageStream(data.minute),
  type: 'UsageRecorded',
  data: data as unknown as Record<string, unknown>,
  revision,
  position: ++position,
  at: data.minute,
});

describe('UsageRollup', () => {
  it('sums a minute per (client, alias, profile, model) and counts statuses of 400 and more as errors', () => {
    const rollup = new UsageRollup();
    rollup.add(T0 + 1_000, request());
    rollup.add(T0 + 59_000, request({ status: 503, inputTokens: 0, outputTokens: 0, costUsd: 0 }));
    rollup.add(T0 + 2_000, request({ model: 'gpt-4o-mini' }));
    expect(rollup.take(T0 + 60_000)).toEqual([
      {
        minute: '2026-12-06T10:00:00.000Z',
        client: 'team-a',
        alias: 'main-gpt',
        profile: 'openai_main',
        model: 'gpt-4o',
        requests: 2,
        errors: 1,
        input_tokens: 10,
        output_tokens: 5,
        cost_usd: 0.0001,
      },
      expect.objectContaining({ model: 'gpt-4o-mini', requests: 1 }),
    ]);
  });

  it('keeps the current minute open until it has ended, except when everything is taken at shutdown', () => {
    const rollup = new UsageRollup();
    rollup.add(T0 + 1_000, request());
    rollup.add(T0 + 61_000, request());
    expect(rollup.take(T0 + 61_500).map((r) => r.minute)).toEqual(['2026-12-06T10:00:00.000Z']);
    expect(rollup.take(T0 + 61_500)).toEqual([]);
    expect(rollup.take(T0 + 61_500, true).map((r) => r.minute)).toEqual(['2026-12-06T10:01:00.000Z']);
  });

  it('starts a new row for a tuple whose row was taken out, though its minute is still open', () => {
    const rollup = new UsageRollup();
    rollup.add(T0, request());
    const taken = rollup.take(T0 + 1_000, true);
    rollup.add(T0 + 2_000, request());
    expect(taken).toEqual([expect.objectContaining({ requests: 1, input_tokens: 10 })]);
    expect(rollup.take(T0 + 3_000, true)).toEqual([expect.objectContaining({ requests: 1, input_tokens: 10 })]);
  });

  it('puts back rows whose append failed, merged with what came since', () => {
    const rollup = new UsageRollup();
    rollup.add(T0, request());
    const failed = rollup.take(T0 + 60_000);
    rollup.add(T0 + 30_000, request());
    rollup.restore(failed);
    expect(rollup.take(T0 + 60_000)).toEqual([expect.objectContaining({ requests: 2, input_tokens: 20, cost_usd: 0.0002 })]);
  });
});

describe('UsageProjection', () => {
  const rows = (rollup: UsageRollup, now: number) => rollup.take(now, true);

  it('answers sums over a time range, grouped each way, with the total', () => {
    const rollup = new UsageRollup();
    rollup.add(T0, request());
    rollup.add(T0, request({ client: 'team-b', profile: 'azure', model: 'gpt4o-deploy', costUsd: 0.0003 }));
    rollup.add(T0 + 86_400_000, request({ status: 429 }));
    const projection = new UsageProjection();
    rows(rollup, T0).forEach((row, i) => projection.apply(recorded(row, i)));

    const day = projection.query(T0, T0 + 86_400_000, 'provider');
    expect(day.rows).toEqual([
      { key: 'azure', requests: 1, errors: 0, input_tokens: 10, output_tokens: 5, cost_usd: 0.0003 },
      { key: 'openai_main', requests: 1, errors: 0, input_tokens: 10, output_tokens: 5, cost_usd: 0.0001 },
    ]);
    expect(day.total).toEqual({ requests: 2, errors: 0, input_tokens: 20, output_tokens: 10, cost_usd: 0.0004 });
    expect(projection.query(T0, T0 + 2 * 86_400_000, 'day').rows.map((r) => [r.key, r.requests, r.errors])).toEqual([
      ['2026-12-06', 2, 0],
      ['2026-12-07', 1, 1],
    ]);
    expect(projection.query(T0, T0 + 2 * 86_400_000, 'client').rows.map((r) => r.key)).toEqual(['team-b', 'team-a']);
  });

  it('counts an event once though it arrives twice (local apply, then the subscription)', () => {
    const rollup = new UsageRollup();
    rollup.add(T0, request());
    const event = recorded(rows(rollup, T0)[0], 0);
    const projection = new UsageProjection();
    projection.apply(event);
    projection.apply(event);
    expect(projection.query(T0, T0 + 60_000, 'alias').total.requests).toBe(1);
  });
});
