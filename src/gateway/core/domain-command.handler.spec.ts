import { ClientKeysProjection, KeyPoolProjection, ProviderHealthProjection } from '@switchboard/domain';
import { InMemoryEventStore } from '@switchboard/event-store';
import type { Clock } from '../tokens';
import { DomainCommand, type GatewayCommand } from './commands';
import { DomainCommandHandler } from './domain-command.handler';
import { DomainWriter } from './domain-writer';
import type { ProjectionFeed } from './projection-feed';

const at = Date.parse('2025-01-01T12:00:00.000Z');
const later = '2025-01-01T13:00:00.000Z';
const limits = { rpm: 60 };

/**
 * Every command of the domain's union, in an order each one changes something: the stream its
 * events land on and the event they record show the handler gave it to the right aggregate.
 */
const SENT: Array<[GatewayCommand, string, string]> = [
  [{ type: 'RegisterKey', data: { fingerprint: 'f1', provider: 'p1' } }, 'apikey-f1', 'KeyRegistered'],
  [
    { type: 'QuarantineKey', data: { fingerprint: 'f1', reason: 'rate_limited', status: 429, until: later } },
    'apikey-f1',
    'KeyQuarantined',
  ],
  [{ type: 'RestoreKey', data: { fingerprint: 'f1', reason: 'admin' } }, 'apikey-f1', 'KeyRestored'],
  [{ type: 'RecordProbe', data: { fingerprint: 'f1', result: { kind: 'error', reason: 'timeout' } } }, 'apikey-f1', 'ProbeFailed'],
  [{ type: 'RetireKey', data: { fingerprint: 'f1', reason: 'invalid_key', status: 401 } }, 'apikey-f1', 'KeyRetired'],
  [{ type: 'RemoveKey', data: { fingerprint: 'f1' } }, 'apikey-f1', 'KeyRemoved'],
  [{ type: 'RegisterProvider', data: { name: 'p1', providerType: 'openai' } }, 'provider-p1', 'ProviderRegistered'],
  // A cooldown that has already run out, so the half-open trial is due.
  [{ type: 'OpenCircuit', data: { name: 'p1', failures: 5, until: new Date(at).toISOString() } }, 'provider-p1', 'CircuitOpened'],
  [{ type: 'HalfOpenCircuit', data: { name: 'p1' } }, 'provider-p1', 'CircuitHalfOpened'],
  [{ type: 'CloseCircuit', data: { name: 'p1' } }, 'provider-p1', 'CircuitClosed'],
  [{ type: 'DisableProvider', data: { name: 'p1', reason: 'maintenance' } }, 'provider-p1', 'ProviderDisabled'],
  [{ type: 'EnableProvider', data: { name: 'p1' } }, 'provider-p1', 'ProviderEnabled'],
  [{ type: 'RemoveProvider', data: { name: 'p1' } }, 'provider-p1', 'ProviderRemoved'],
  [
    { type: 'IssueClientKey', data: { name: 'acme', fingerprint: 'c0ffee', keyHash: 'c0ffee00', models: null, limits } },
    'client-acme',
    'ClientKeyIssued',
  ],
  [{ type: 'ChangeClientLimits', data: { name: 'acme', models: ['main'], limits } }, 'client-acme', 'ClientLimitsChanged'],
  [{ type: 'RevokeClientKey', data: { name: 'acme' } }, 'client-acme', 'ClientKeyRevoked'],
];

describe('DomainCommandHandler', () => {
  const store = new InMemoryEventStore();
  const clock: Clock = { now: () => at };
  const feed = { follow: () => undefined } as unknown as ProjectionFeed;
  const writer = new DomainWriter(store, new KeyPoolProjection(), new ProviderHealthProjection(), new ClientKeysProjection(), feed, clock);
  const handler = new DomainCommandHandler(writer);
  afterAll(() => store.close());

  it('covers every command type of the union', () => {
    expect(new Set(SENT.map(([command]) => command.type)).size).toBe(16);
  });

  it.each(SENT.map(([command, stream, type]) => [command.type, stream, type, command] as const))(
    '%s reaches its aggregate: %s records %s',
    async (_name, stream, type, command) => {
      const recorded = await handler.execute(new DomainCommand(command));
      expect(recorded.map((event) => [event.stream, event.type])).toContainEqual([stream, type]);
    },
  );
});
