import { CommandBus } from '@nestjs/cqrs';
import { fingerprint } from '@switchboard/domain';
import { DomainCommand } from '../../src/gateway/core/commands';
import { reply, startScriptedUpstream, type ScriptedUpstream } from '../support/scripted-upstream';
import { startGateway, type StartedGateway } from '../support/start-gateway';
import { eventually } from '../support/eventually';

const DEAD = 'sk-keeper-dead-0000000000000001';
const FLAKY = 'sk-keeper-flaky-000000000000002';
const LIMITED = 'sk-keeper-limited-0000000000003';
const BROKEN = 'sk-keeper-broken-00000000000004';
const QUOTA = 'sk-keeper-quota-000000000000005';
const GEMINI_DEAD = 'AIza-keeper-gemini-dead-0000006';
/** Gemini's answer to a bad key: a 400 whose ErrorInfo says API_KEY_INVALID (the key's fault, not the request's). */
const API_KEY_INVALID = {
  error: {
    code: 400,
    message: 'API key not valid. Please pass a valid API key.',
    status: 'INVALID_ARGUMENT',
    details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' }],
  },
};
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
    const res = await fetch(`${gw.url}/admin/keys`);
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
    upstream.always(QUOTA, reply.status(402, 'You exceeded your current quota.'));
    upstream.always(GEMINI_DEAD, reply.json(API_KEY_INVALID, 400));
    gw = await startGateway({
      config: {
        providers: {
          openai_main: { type: 'openai', base_url: upstream.baseUrl, keys: [DEAD, FLAKY, LIMITED, BROKEN, QUOTA], probe_interval_ms: 300 },
          gemini_main: { type: 'gemini', base_url: upstream.url, keys: [GEMINI_DEAD], probe_interval_ms: 300 },
        },
        models: { 'main-gpt': { chain: [{ provider: 'openai_main', model: 'gpt-4o' }] } },
        keeper: { enabled: true, probe_interval_ms: 60_000, restore_check_ms: 100 },
      },
    });
    commands = gw.app.get(CommandBus);
    // Before the first probe round (one interval after start): an error quarantine, a 429 one, a short one.
    const quarantine = (key: string, reason: 'upstream_error' | 'rate_limited', inMs: number, status: number) =>
      commands.execute(
        new DomainCommand({
          type: 'QuarantineKey',
          data: { fingerprint: fingerprint(key), reason, until: new Date(Date.now() + inMs).toISOString(), status },
        }),
      );
    await quarantine(FLAKY, 'upstream_error', HOUR, 503);
    await quarantine(LIMITED, 'rate_limited', HOUR, 429);
    await quarantine(BROKEN, 'upstream_error', 1_500, 500);
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

  it("retires a Gemini key whose probe answers 400 API_KEY_INVALID: the provider's verdict, not the status, decides", async () => {
    const dead = await eventually(
      () => key(GEMINI_DEAD),
      (k) => k.state === 'retired',
    );
    expect(dead).toMatchObject({ state: 'retired', reason: 'API_KEY_INVALID' });
    expect((await history(GEMINI_DEAD)).map((e) => e.type)).toEqual(['KeyRegistered', 'ProbeFailed', 'KeyRetired']);
    expect(upstream.callsFor(GEMINI_DEAD)[0]).toMatchObject({ method: 'GET', path: expect.stringMatching(/^\/v1beta\/models/) });
  });

  it('quarantines a key whose probe answers 402 (quota spent) like a 429, and probes it no more', async () => {
    const quota = await eventually(
      () => key(QUOTA),
      (k) => k.state === 'quarantined',
    );
    expect(quota).toMatchObject({ state: 'quarantined', reason: 'rate_limited' });
    const events = await history(QUOTA);
    expect(events.map((e) => e.type)).toEqual(['KeyRegistered', 'ProbeFailed', 'KeyQuarantined']);
    expect(events[2].data).toMatchObject({ reason: 'rate_limited', status: 402 });
    const calls = upstream.callsFor(QUOTA).length;
    await upstream.waitForRequests(upstream.requests.length + 2, 10_000);
    expect(upstream.callsFor(QUOTA)).toHaveLength(calls);
  });

  it('ends an error quarantine early when a probe answers 200', async () => {
    const flaky = await eventually(
      () => key(FLAKY),
      (k) => k.state === 'available',
    );
    expect(flaky.state).toBe('available');
    const events = await history(FLAKY);
    // Later rounds probe the available key again and find it working: that is no event.
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
    // The key still answers 500, so a later probe round may quarantine it again and its next deadline
    // restore it again: every restore is a deadline's, and no probe ever succeeded.
    const restored = events.filter((e) => e.type === 'KeyRestored');
    expect(restored.length).toBeGreaterThanOrEqual(1);
    expect(restored.map((e) => e.data.reason)).toEqual(restored.map(() => 'deadline_passed'));
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
