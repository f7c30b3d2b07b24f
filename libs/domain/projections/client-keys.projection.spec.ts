import type { RecordedEvent } from '@switchboard/event-store';
import type { ClientEvent } from '../client/client.events';
import { ClientKeysProjection, clientKeyHash } from './client-keys.projection';

const at = '2025-01-01T12:00:00.000Z';
const KEY = 'sb-issued-key-1';
const hash = clientKeyHash(KEY);

function recorder() {
  const revisions = new Map<string, number>();
  let position = 0n;
  return (event: ClientEvent): RecordedEvent => {
    const stream = `client-${event.data.name}`;
    const revision = (revisions.get(stream) ?? -1) + 1;
    revisions.set(stream, revision);
    position += 1n;
    return { stream, type: event.type, data: event.data as unknown as Record<string, unknown>, revision, position, at };
  };
}

const issued = (name: string, keyHash = hash, models: string[] | null = null): ClientEvent => ({
  type: 'ClientKeyIssued',
  data: { name, fingerprint: keyHash.slice(0, 16), keyHash, models, limits: { rpm: 5 } },
});

describe('client keys projection', () => {
  it('identifies an issued key by the key itself, with its models and limits', () => {
    const record = recorder();
    const clients = new ClientKeysProjection();
    clients.apply(record(issued('bot', hash, ['main-gpt'])));
    const view = clients.identify(KEY);
    expect(view).toMatchObject({ name: 'bot', fingerprint: hash.slice(0, 16), limits: { rpm: 5 }, source: 'store', state: 'active' });
    expect([...view!.models!]).toEqual(['main-gpt']);
    expect(clients.identify('sb-issued-key-2')).toBeUndefined();
  });

  it('forgets a revoked key but keeps listing the client as revoked', () => {
    const record = recorder();
    const clients = new ClientKeysProjection();
    clients.apply(record(issued('bot')));
    clients.apply(record({ type: 'ClientKeyRevoked', data: { name: 'bot' } }));
    expect(clients.identify(KEY)).toBeUndefined();
    expect(clients.list().map((c) => [c.name, c.state])).toEqual([['bot', 'revoked']]);
  });

  it('applies changed limits, and ignores an event it has already applied', () => {
    const record = recorder();
    const clients = new ClientKeysProjection();
    const first = record(issued('bot'));
    clients.apply(first);
    clients.apply(record({ type: 'ClientLimitsChanged', data: { name: 'bot', models: ['a'], limits: { tpm: 9 } } }));
    clients.apply(first);
    expect(clients.identify(KEY)?.limits).toEqual({ tpm: 9 });
  });

  it('a new key for a revoked name replaces the old one', () => {
    const record = recorder();
    const clients = new ClientKeysProjection();
    clients.apply(record(issued('bot')));
    clients.apply(record({ type: 'ClientKeyRevoked', data: { name: 'bot' } }));
    clients.apply(record(issued('bot', clientKeyHash('sb-second'))));
    expect(clients.identify(KEY)).toBeUndefined();
    expect(clients.identify('sb-second')?.name).toBe('bot');
  });

  it('identifies configured keys, and replaces them when the config changes', () => {
    const clients = new ClientKeysProjection();
    expect(clients.empty).toBe(true);
    clients.configure([{ name: 'ci', key: 'sb-config-1', limits: {} }], at);
    expect(clients.identify('sb-config-1')).toMatchObject({ name: 'ci', source: 'config', models: null });
    clients.configure([{ name: 'ci2', key: 'sb-config-2', models: ['x'], limits: { rpm: 1 } }], at);
    expect(clients.identify('sb-config-1')).toBeUndefined();
    expect(clients.identify('sb-config-2')?.name).toBe('ci2');
    expect(clients.empty).toBe(false);
  });
});
