import { CommandBus } from '@nestjs/cqrs';
import { fingerprint, KeyPoolProjection } from '@switchboard/domain';
import { SqliteEventStore } from '@switchboard/event-store';
import { DomainCommand } from '../../../src/gateway/core/commands';
import { eventually } from '../../support/eventually';
import { startGateway, type StartedGateway } from '../../support/start-gateway';

const SECRET = 'sk-replicas-e2e-00000000000001';
const fp = fingerprint(SECRET);
const config = {
  providers: { openai_main: { type: 'openai', base_url: 'http://127.0.0.1:9/v1', keys: [SECRET] } },
  models: { 'main-gpt': { chain: [{ provider: 'openai_main', model: 'gpt-4o' }] } },
  keeper: { enabled: false },
};

interface KeyRow {
  fingerprint: string;
  state: string;
  reason?: string;
}

/** Two gateway replicas on one SQLite file, each with its own store connection, subscription and projections. */
describe('two gateways on one event store', () => {
  let a: StartedGateway;
  let b: StartedGateway;
  beforeAll(async () => {
    a = await startGateway({ config });
    b = await startGateway({ config, env: { EVENT_STORE_URL: `sqlite:${a.storePath}` } });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const keyOn = async (gw: StartedGateway): Promise<KeyRow | undefined> => {
    const res = await fetch(`${gw.url}/admin/keys?provider=openai_main`);
    return ((await res.json()) as { keys: KeyRow[] }).keys.find((k) => k.fingerprint === fp);
  };

  it('converge when one records a probe on a key the other has just rate-limited, before its subscription saw the 429', async () => {
    // B's 429 is in the store; A's subscription has not been woken yet when A decides on the probe
    // (both commands run within one turn of the event loop), so A reads it only through runCommand.
    await b.app.get(CommandBus).execute(
      new DomainCommand({
        type: 'QuarantineKey',
        data: { fingerprint: fp, reason: 'rate_limited', until: new Date(Date.now() + 3_600_000).toISOString(), status: 429 },
      }),
    );
    await a.app
      .get(CommandBus)
      .execute(new DomainCommand({ type: 'RecordProbe', data: { fingerprint: fp, result: { kind: 'ok', latencyMs: 12 } } }));

    const store = new SqliteEventStore(a.storePath);
    let head = 0n;
    for await (const event of store.readAll()) head = event.position;
    await store.close();
    const projection = a.app.get(KeyPoolProjection);
    await eventually(
      () => projection.position,
      (position) => position >= head,
    );

    expect(projection.position).toBe(head);
    expect(await keyOn(a)).toMatchObject({ state: 'quarantined', reason: 'rate_limited' });
    expect(await keyOn(b)).toMatchObject({ state: 'quarantined', reason: 'rate_limited' });
  });
});
