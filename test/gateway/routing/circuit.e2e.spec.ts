import type { StartedGateway } from '../../support/start-gateway';
import { reply, type Behaviour, type ScriptedUpstream } from '../../support/scripted-upstream';
import { manualClock, type ManualClock } from '../../support/manual-clock';
import { chat, gatewayFor, providerState, storedEvents, waitFor, scriptedUpstreamPerFile } from './routing-helpers';

/** p1's keys share one script, call by call across keys (which key is picked is the pool's business). */
function scriptProfile(upstream: ScriptedUpstream, keys: string[], calls: Behaviour[]): () => number {
  let count = 0;
  const behaviour = reply.fn(() => calls[count++] ?? reply.auto());
  for (const key of keys) upstream.always(key, behaviour);
  return () => count;
}

async function circuitEvents(gw: StartedGateway, profile: string): Promise<string[]> {
  return (await storedEvents(gw, `provider-${profile}`)).map((e) => e.type).filter((type) => type.startsWith('Circuit'));
}

describe('circuit breaker over HTTP', () => {
  const fixture = scriptedUpstreamPerFile();
  const P1 = ['sk-cb-a', 'sk-cb-b'];
  /** The gateway's clock: a cooldown passes only when a test advances it. */
  let clock: ManualClock;

  /** Threshold 2; the keys' own error cool-down is far shorter than the circuit's, so only the circuit keeps p1 out. */
  const start = (cooldownMs: number) => {
    clock = manualClock();
    return gatewayFor(
      fixture.upstream,
      { p1: P1, p2: ['sk-cb-c'] },
      { routing: { error_cooldown_ms: 50, circuit: { failure_threshold: 2, cooldown_ms: cooldownMs } }, clock },
    );
  };

  it('opens after the threshold, skips the profile while open, lets exactly one half-open trial through, and closes on its success', async () => {
    let endTrial = () => {};
    const trialEnds = new Promise<void>((resolve) => (endTrial = resolve));
    const p1Calls = scriptProfile(fixture.upstream, P1, [
      reply.serverError(500),
      reply.serverError(503),
      reply.held(trialEnds, reply.chat('trial answer')),
    ]);
    fixture.gw = await start(1_500);

    // Two consecutive provider failures open p1's circuit; the request is still served, by p2.
    const first = await chat(fixture.gw);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-switchboard-provider')).toBe('p2');
    expect(first.headers.get('x-switchboard-attempts')).toBe('3');
    const open = await providerState(fixture.gw, 'p1');
    expect(open.circuit).toBe('open');
    expect(await circuitEvents(fixture.gw, 'p1')).toEqual(['CircuitOpened']);
    const opened = (await storedEvents(fixture.gw, 'provider-p1')).find((e) => e.type === 'CircuitOpened')!;
    expect(opened.data).toMatchObject({ failures: 2 });

    // While open, p1 is not called at all (its keys are available again: only the circuit says no).
    clock.advance(100);
    expect(clock.now()).toBeLessThan(Date.parse(open.until!));
    const during = await chat(fixture.gw);
    expect(during.headers.get('x-switchboard-provider')).toBe('p2');
    expect(during.headers.get('x-switchboard-attempts')).toBe('1');
    expect(p1Calls()).toBe(2);

    // After the cooldown the circuit half-opens; one request is its trial, the others pass it by.
    clock.advance(1_400);
    await waitFor('p1 to half-open', async () => (await providerState(fixture.gw!, 'p1')).circuit === 'half_open');
    const trial = chat(fixture.gw);
    await waitFor('the trial call to reach p1', () => p1Calls() === 3);
    const others = await Promise.all(Array.from({ length: 5 }, () => chat(fixture.gw!)));
    expect(others.map((o) => o.headers.get('x-switchboard-provider'))).toEqual(Array(5).fill('p2'));
    expect(p1Calls()).toBe(3);

    endTrial();
    const served = await trial;
    expect(served.headers.get('x-switchboard-provider')).toBe('p1');
    expect(served.json.choices[0].message.content).toBe('trial answer');
    expect((await providerState(fixture.gw, 'p1')).circuit).toBe('closed');
    expect(await circuitEvents(fixture.gw, 'p1')).toEqual(['CircuitOpened', 'CircuitHalfOpened', 'CircuitClosed']);

    // Closed: p1 serves again.
    expect((await chat(fixture.gw)).headers.get('x-switchboard-provider')).toBe('p1');
  });

  it('reopens when the half-open trial fails, and closes after a later trial succeeds', async () => {
    const p1Calls = scriptProfile(fixture.upstream, P1, [reply.serverError(500), reply.serverError(500), reply.serverError(502)]);
    fixture.gw = await start(300);

    await chat(fixture.gw);
    expect(await circuitEvents(fixture.gw, 'p1')).toEqual(['CircuitOpened']);

    clock.advance(300);
    await waitFor('p1 to half-open', async () => (await providerState(fixture.gw!, 'p1')).circuit === 'half_open');
    const failedTrial = await chat(fixture.gw);
    expect(failedTrial.headers.get('x-switchboard-provider')).toBe('p2');
    // One trial call only, even though p1 has another key: a failed trial reopens at once.
    expect(failedTrial.headers.get('x-switchboard-attempts')).toBe('2');
    expect(p1Calls()).toBe(3);
    expect((await providerState(fixture.gw, 'p1')).circuit).toBe('open');

    clock.advance(300);
    await waitFor('p1 to half-open again', async () => (await providerState(fixture.gw!, 'p1')).circuit === 'half_open');
    expect((await chat(fixture.gw)).headers.get('x-switchboard-provider')).toBe('p1');
    expect(await circuitEvents(fixture.gw, 'p1')).toEqual([
      'CircuitOpened',
      'CircuitHalfOpened',
      'CircuitOpened',
      'CircuitHalfOpened',
      'CircuitClosed',
    ]);
  });

  it('does not count rate limits toward the circuit', async () => {
    scriptProfile(fixture.upstream, P1, [reply.rateLimited(30), reply.rateLimited(30)]);
    fixture.gw = await start(60_000);

    const res = await chat(fixture.gw);
    expect(res.headers.get('x-switchboard-provider')).toBe('p2');
    expect(res.headers.get('x-switchboard-attempts')).toBe('3');
    expect((await providerState(fixture.gw, 'p1')).circuit).toBe('closed');
    expect(await circuitEvents(fixture.gw, 'p1')).toEqual([]);
  });
});
