import { CommandBus } from '@nestjs/cqrs';
import { fingerprint } from '@switchboard/domain';
import { QuarantineKeyCommand } from '../../src/gateway/core/commands';
import { reply, startScriptedUpstream, type ScriptedUpstream } from '../support/scripted-upstream';
import { startGateway, type StartedGateway } from '../support/start-gateway';
import { eventually } from '../support/eventually';

const DEAD = 'sk-keeper-dead-0000000000000001';
const FLAKY = 'sk-keeper-flaky-000000000000002';
const LIMITED = 'sk-keeper-limited-0000000000003';
const BROKEN = 'sk-keeper-broken-00000000000004';
const HOUR = 3_600_000;

interface KeyRow {
  fingerprint: string;
  state: string;
  reason?: string;
  until?: string;
}

describe('the Keeper inside the gateway', () => {
  let upstream: ScriptedUpstream;
  let gw: StartedGateway;
  let commands: CommandBus;
  const key = async (secret: string): Promise<KeyRow> => {
    const res = await fetch(`${gw.url}/admin/keys?provider=openai_main`);
    return ((await res.json()) as { keys: KeyRow[] }).keys.find((k) => k.fingerprint === fingerprint(secret))!;
  };
  const history = async (secret: string) => {
    const res = await fetch(`${gw.url}/admin/keys/${fingerprint(secret)}/history`);
    return ((await res.json()) as { events: Array<{ type: string; data: Record<string, unknown> }> }).events;
  };

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    upstream.always(DEAD, reply.unauthorized());
    upstream.always(FLAKY, reply.auto());
    upstream.always(LIMITED, reply.rateLimited(3600));
    upstream.always(BROKEN, reply.serverError(500));
    gw = await startGateway({
      config: {
        providers: {
          openai_main: { type: 'openai', base_url: upstream.baseUrl, keys: [DEAD, FLAKY, LIMITED, BROKEN], probe_interval_ms: 300 },
        },
        models: { 'main-gpt': { chain: [{ provider: 'openai_main', model: 'gpt-4o' }] } },
        keeper: { enabled: true, probe_interval_ms: 60_000, restore_check_ms: 100 },
      },
    });
    commands = gw.app.get(CommandBus);
    // Before the first probe round (one interval after start): an error quarantine, a 429 one, a short one.
    await commands.execute(new QuarantineKeyCommand(fingerprint(FLAKY), 'upstream_error', new Date(Date.now() + HOUR), 503));
    await commands.execute(new QuarantineKeyCommand(fingerprint(LIMITED), 'rate_limited', new Date(Date.now() + HOUR), 429));
    await commands.execute(new QuarantineKeyCommand(fingerprint(BROKEN), 'upstream_error', new Date(Date.now() + 1_500), 500));
  });
  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
  });

  it('retires a key whose probe answers 401, without any client request', async () => {
    const dead = await eventually(
      () => key(DEAD),
      (k) => k.state === 'retired',
    );
    expect(dead.state).toBe('retired');
    const types = (await history(DEAD)).map((e) => e.type);
    expect(types).toEqual(['KeyRegistered', 'ProbeFailed', 'KeyRetired']);
    expect(upstream.callsFor(DEAD)[0]).toMatchObject({ method: 'GET', path: '/v1/models' });
  });

  it('ends an error quarantine early when a probe answers 200', async () => {
    const flaky = await eventually(
      () => key(FLAKY),
      (k) => k.state === 'available',
    );
    expect(flaky.state).toBe('available');
    const events = await history(FLAKY);
    expect(events.map((e) => e.type)).toEqual(['KeyRegistered', 'KeyQuarantined', 'ProbeSucceeded', 'KeyRestored']);
    expect(events[3].data).toMatchObject({ reason: 'probe_succeeded' });
    expect(typeof events[2].data.latencyMs).toBe('number');
  });

  it('restores a key at its deadline without any request (a failing probe does not restore it before)', async () => {
    const broken = await eventually(
      () => key(BROKEN),
      (k) => k.state === 'available',
    );
    expect(broken.state).toBe('available');
    const events = await history(BROKEN);
    const restored = events.filter((e) => e.type === 'KeyRestored');
    expect(restored).toEqual([expect.objectContaining({ data: expect.objectContaining({ reason: 'deadline_passed' }) })]);
    expect(events.filter((e) => e.type === 'ProbeSucceeded')).toEqual([]);
  });

  it("never probes a rate-limited key: a 429 deadline is the provider's word", async () => {
    // Probe rounds have run by now (the 401 and the 200 above came from them); wait for two more.
    const seen = upstream.requests.length;
    await upstream.waitForRequests(seen + 2, 10_000);
    const limited = await key(LIMITED);
    expect(limited).toMatchObject({ state: 'quarantined', reason: 'rate_limited' });
    expect(upstream.callsFor(LIMITED)).toEqual([]);
    expect((await history(LIMITED)).map((e) => e.type)).toEqual(['KeyRegistered', 'KeyQuarantined']);
  });

  it('never probes a retired key again', async () => {
    const calls = upstream.callsFor(DEAD).length;
    const seen = upstream.requests.length;
    await upstream.waitForRequests(seen + 2, 10_000);
    expect(upstream.callsFor(DEAD)).toHaveLength(calls);
  });
});
