import type { RecordedEvent } from '@switchboard/event-store';
import { replayUntil } from './replay';

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
