import type { RecordedEvent } from '@switchboard/event-store';
import { KeyPoolProjection } from './key-pool.projection';
import { ProviderHealthProjection } from './provider-health.projection';
import { ProjectionCheckpoints, replayUntil } from './replay';

const t0 = Date.parse('2025-01-01T12:00:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();

const events: RecordedEvent[] = [
  {
    stream: 'provider-p',
    type: 'ProviderRegistered',
    data: { name: 'p', providerType: 'openai' },
    revision: 0,
    position: 1n,
    at: iso(t0),
  },
  {
    stream: 'apikey-k1',
    type: 'KeyRegistered',
    data: { fingerprint: 'k1', provider: 'p' },
    revision: 0,
    position: 2n,
    at: iso(t0),
  },
  {
    stream: 'apikey-k1',
    type: 'KeyQuarantined',
    data: { fingerprint: 'k1', reason: 'rate_limited', status: 429, until: iso(t0 + 60_000) },
    revision: 1,
    position: 3n,
    at: iso(t0 + 1_000),
  },
  {
    stream: 'provider-p',
    type: 'CircuitOpened',
    data: { name: 'p', failures: 5, until: iso(t0 + 30_000) },
    revision: 1,
    position: 4n,
    at: iso(t0 + 2_000),
  },
  {
    stream: 'apikey-k1',
    type: 'KeyRestored',
    data: { fingerprint: 'k1', reason: 'admin' },
    revision: 2,
    position: 5n,
    at: iso(t0 + 3_000),
  },
];

async function* stream(): AsyncIterable<RecordedEvent> {
  yield* events;
}

describe('replayUntil', () => {
  it('rebuilds the read models as they stood at the given time, that instant included', async () => {
    const { keys, providers } = await replayUntil(stream(), new Date(t0 + 1_000));
    expect(keys.get('k1')).toMatchObject({ state: 'quarantined', until: iso(t0 + 60_000) });
    expect(providers.get('p')).toMatchObject({ circuit: 'closed' });
    expect(keys.position).toBe(3n);
  });

  it('rebuilds the present when the time is now', async () => {
    const { keys, providers } = await replayUntil(stream(), new Date(t0 + 10_000));
    expect(keys.get('k1')?.state).toBe('available');
    expect(providers.get('p')?.circuit).toBe('open');
  });

  it('knows nothing before the first event', async () => {
    const { keys, providers } = await replayUntil(stream(), new Date(t0 - 1));
    expect(keys.list()).toEqual([]);
    expect(providers.list()).toEqual([]);
  });

  it('stops reading at the first later event', async () => {
    let read = 0;
    async function* counted(): AsyncIterable<RecordedEvent> {
      for (const event of events) {
        read += 1;
        yield event;
      }
    }
    await replayUntil(counted(), new Date(t0));
    expect(read).toBe(3);
  });
});

describe('replayUntil from a checkpoint', () => {
  /** Feeds the events in order, as the projection feed does, leaving a checkpoint every `every` events. */
  function feed(every: number, max = 128) {
    const keys = new KeyPoolProjection();
    const providers = new ProviderHealthProjection();
    const checkpoints = new ProjectionCheckpoints(every, max);
    for (const event of events) {
      keys.apply(event);
      providers.apply(event);
      checkpoints.afterApply(event, keys, providers);
    }
    return checkpoints;
  }
  async function* after(position: bigint): AsyncIterable<RecordedEvent> {
    yield* events.filter((e) => e.position > position);
  }

  it.each([t0, t0 + 1_000, t0 + 2_000, t0 + 2_500, t0 + 10_000])('rebuilds at %p what a replay from the first event does', async (ms) => {
    const at = new Date(ms);
    const from = feed(2).latestAtOrBefore(at);
    const resumed = await replayUntil(after(from?.position ?? 0n), at, from);
    const full = await replayUntil(stream(), at);
    expect(resumed.keys.list()).toEqual(full.keys.list());
    expect(resumed.providers.list()).toEqual(full.providers.list());
  });

  it('takes the latest checkpoint recorded at or before the time, none before the first', () => {
    const checkpoints = feed(2);
    expect(checkpoints.latestAtOrBefore(new Date(t0 + 2_500))?.position).toBe(4n);
    expect(checkpoints.latestAtOrBefore(new Date(t0 + 1_500))?.position).toBe(2n);
    expect(checkpoints.latestAtOrBefore(new Date(t0 - 1))).toBeUndefined();
  });

  it('keeps at most `max` checkpoints, dropping every other one and keeping the latest', () => {
    const checkpoints = feed(1, 4);
    // Five taken, one over the bound: every other one from the latest back is kept (5, 3, 1).
    expect(checkpoints.latestAtOrBefore(new Date(t0 + 10_000))?.position).toBe(5n);
    expect(checkpoints.latestAtOrBefore(new Date(t0 + 2_500))?.position).toBe(3n);
    expect(checkpoints.latestAtOrBefore(new Date(t0))?.position).toBe(1n);
  });

  it('takes no checkpoint while a projection ran ahead of the feed (a local apply after an append)', () => {
    const keys = new KeyPoolProjection();
    const providers = new ProviderHealthProjection();
    const checkpoints = new ProjectionCheckpoints(1);
    keys.apply(events[1]);
    providers.apply(events[0]);
    checkpoints.afterApply(events[0], keys, providers);
    expect(checkpoints.latestAtOrBefore(new Date(t0 + 10_000))).toBeUndefined();
  });
});
