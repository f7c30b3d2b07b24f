import { CommandBus } from '@nestjs/cqrs';
import { fingerprint } from '@switchboard/domain';
import { DomainCommand } from '../../src/gateway/core/commands';
import { waitFor } from '../support/eventually';
import { reply, startScriptedUpstream, type ScriptedUpstream } from '../support/scripted-upstream';
import { startGateway, type StartedGateway } from '../support/start-gateway';

const KEY = 'sk-keeper-trial-00000000000001';

/**
 * A key whose cooldown ended is half-open: the keeper's probe may be its one trial, as a request
 * may. While the probe is out no request calls the key; the probe's success puts it back.
 */
describe("the Keeper's probe as a cooled key's trial", () => {
  let upstream: ScriptedUpstream;
  let gw: StartedGateway;
  let answerProbe: () => void = () => undefined;
  let probeAnsweredAt = Infinity;

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    const probeAnswered = new Promise<void>((resolve) => (answerProbe = resolve));
    const release = probeAnswered.then(() => void (probeAnsweredAt = performance.now()));
    upstream.always(
      KEY,
      reply.fn((call) => (call.method === 'GET' ? { kind: 'held', release, then: reply.auto() } : reply.auto())),
    );
    gw = await startGateway({
      config: {
        providers: { openai_main: { type: 'openai', base_url: upstream.baseUrl, keys: [KEY], probe_interval_ms: 200 } },
        models: { main: { chain: [{ provider: 'openai_main', model: 'gpt-4o' }] } },
        routing: { retries: { max_attempts: 1 } },
        keeper: { enabled: true, probe_interval_ms: 60_000, restore_check_ms: 50 },
      },
    });
  });
  afterAll(async () => {
    answerProbe();
    await gw?.close();
    await upstream?.close();
  });

  const chat = async (): Promise<Response> =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hello' }] }),
    });

  const keyListed = async (): Promise<Record<string, unknown>> => {
    const { keys } = (await (await fetch(`${gw.url}/admin/keys`)).json()) as { keys: Array<Record<string, unknown>> };
    return keys.find((k) => k.fingerprint === fingerprint(KEY))!;
  };

  it('keeps requests off the key while its trial probe is out, and serves from it once the probe succeeded', async () => {
    const commands = gw.app.get(CommandBus);
    const until = new Date(Date.now() + 300).toISOString();
    await commands.execute(
      new DomainCommand({ type: 'QuarantineKey', data: { fingerprint: fingerprint(KEY), reason: 'rate_limited', until, status: 429 } }),
    );

    await waitFor('the probe after the deadline', () => upstream.callsFor(KEY).some((call) => call.method === 'GET'));
    const during = await chat();
    expect(during.status).toBe(503);
    expect(during.headers.get('x-switchboard-attempts')).toBe('0');
    // The key comes back as soon as its trial succeeds: the client is told to retry shortly.
    expect(during.headers.get('retry-after')).toBe('1');
    expect(upstream.callsFor(KEY).filter((call) => call.method === 'POST')).toEqual([]);
    // An operator sees why the key serves nothing although no quarantine is in force any more.
    expect(await keyListed()).toMatchObject({ fingerprint: fingerprint(KEY), rotation: 'on_trial' });

    answerProbe();
    await waitFor('the key back in rotation', async () => (await chat()).status === 200);
    // Back, its share of the traffic rising over keys.ramp_up_ms (10 s by default).
    expect(await keyListed()).toMatchObject({ state: 'available', rotation: 'ramping', share: expect.any(Number) });
    const posts = upstream.callsFor(KEY).filter((call) => call.method === 'POST');
    expect(posts.length).toBeGreaterThanOrEqual(1);
    // No request called the key while the probe was its trial.
    expect(posts.filter((call) => call.receivedAt < probeAnsweredAt)).toEqual([]);
  });
});
