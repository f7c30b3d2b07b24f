import { manualClock } from '../../support/manual-clock';
import { reply, type Behaviour } from '../../support/scripted-upstream';
import { chat, fingerprint, gatewayFor, keyHistory, keyState, waitFor, type Answer, scriptedUpstreamPerFile } from './routing-helpers';

const KEY = 'sk-cooling-key-000000000000';

/** A 429 with `Retry-After: <seconds>` that the upstream sends `delayMs` after the call arrived. */
function rateLimitedAfter(seconds: number, delayMs: number): Behaviour {
  const limited = reply.rateLimited(seconds);
  return limited.kind === 'json' ? { ...limited, delayMs } : limited;
}

/** Resolves after `ms`: an upstream's think time, never a wait of the test's. */
const later = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('a key cooling down is not stampeded', () => {
  const fixture = scriptedUpstreamPerFile();

  it('answers 100 requests 503 with Retry-After when the only key says 429 Retry-After: 30, and calls it no more after the first 429', async () => {
    fixture.upstream.always(KEY, rateLimitedAfter(30, 100));
    fixture.gw = await gatewayFor(
      fixture.upstream,
      { p1: [KEY] },
      { routing: { retries: { max_attempts: 3, base_delay_ms: 50, max_delay_ms: 1_000 } } },
    );

    let answered = false;
    const send = async (): Promise<Answer> => {
      const answer = await chat(fixture.gw!);
      answered = true;
      return answer;
    };
    // Half of them at once: those that picked the key before the first 429 came back call it
    // (a call in flight cannot be recalled). The other half once a first 503 is back, so after
    // the 429 behind it: none of them may call the key.
    const firstWave = Array.from({ length: 50 }, send);
    await waitFor('a first answer', () => answered);
    const answers = await Promise.all([...firstWave, ...Array.from({ length: 50 }, send)]);
    const secondWave = answers.slice(50);

    expect(answers.map((a) => a.status)).toEqual(Array(100).fill(503));
    for (const answer of answers) expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(29);
    expect(secondWave.map((a) => a.headers.get('x-switchboard-attempts'))).toEqual(Array(50).fill('0'));
    // Every call the key got was a first-wave request's first and only one.
    const firstWaveCalls = answers.slice(0, 50).reduce((sum, a) => sum + Number(a.headers.get('x-switchboard-attempts')), 0);
    expect(fixture.upstream.callsFor(KEY)).toHaveLength(firstWaveCalls);
    expect(firstWaveCalls).toBeLessThanOrEqual(50);
  });

  it('lets one trial call through when a Retry-After: 1 is over, not the burst of every waiting request', async () => {
    const TRIAL_MS = 300;
    let cooledAt: number | undefined;
    let trialAnsweredAt: number | undefined;
    fixture.upstream.always(
      KEY,
      reply.fn((call) => {
        // Every call that arrives before the second is over is limited (the ones in flight at the first 429).
        if (cooledAt === undefined || call.receivedAt < cooledAt + 1_000) {
          return {
            kind: 'held',
            release: later(100).then(() => void (cooledAt ??= performance.now())),
            then: reply.rateLimited(1),
          };
        }
        return { kind: 'held', release: later(TRIAL_MS).then(() => void (trialAnsweredAt ??= performance.now())), then: reply.auto() };
      }),
    );
    fixture.gw = await gatewayFor(
      fixture.upstream,
      { p1: [KEY] },
      { routing: { request_deadline_ms: 30_000, retries: { max_attempts: 20, base_delay_ms: 50, max_delay_ms: 2_000 } } },
    );

    const answers = await Promise.all(Array.from({ length: 100 }, () => chat(fixture.gw!)));

    const calls = fixture.upstream.callsFor(KEY);
    const trial = calls.find((call) => call.receivedAt >= cooledAt! + 1_000);
    expect(trial).toBeDefined();
    expect(trialAnsweredAt).toBeDefined();
    // While the trial's answer was on its way, nobody else called the key.
    const duringTrial = calls.filter((call) => call.receivedAt >= trial!.receivedAt && call.receivedAt < trialAnsweredAt!);
    expect(duringTrial.map((call) => Math.round(call.receivedAt - trial!.receivedAt))).toEqual([0]);
    // Once the trial succeeded the key was back, and the waiters were served.
    expect(answers.map((a) => a.status)).toEqual(Array(100).fill(200));
    await waitFor('the key to be stored as available', async () => (await keyState(fixture.gw!, KEY)).state === 'available');
    const restores = (await keyHistory(fixture.gw, KEY)).filter((e) => e.type === 'KeyRestored');
    expect(restores.length).toBeGreaterThanOrEqual(1);
  });

  it('ramps a recovered key’s share of the traffic up over keys.ramp_up_ms instead of giving it half at once', async () => {
    const RAMP_MS = 10_000;
    const [recovering, steady] = ['sk-ramp-recovering-00000000', 'sk-ramp-steady-0000000000000'];
    fixture.upstream.script(recovering, reply.rateLimited(1));
    const clock = manualClock();
    fixture.gw = await gatewayFor(
      fixture.upstream,
      { p1: [recovering, steady] },
      { clock, extra: { keys: { ramp_up_ms: RAMP_MS }, keeper: { enabled: false } } },
    );
    const servedBy = async (): Promise<string | null> => {
      const answer = await chat(fixture.gw!);
      expect(answer.status).toBe(200);
      return answer.headers.get('x-switchboard-key');
    };

    // The 429 takes the key out for a second; then one request is its trial, and it succeeds.
    while (fixture.upstream.callsFor(recovering).length === 0) await servedBy();
    clock.advance(1_000);
    while (fixture.upstream.callsFor(recovering).length < 2) await servedBy();
    expect((await keyHistory(fixture.gw, recovering)).map((e) => e.type)).toEqual(['KeyRegistered', 'KeyQuarantined', 'KeyRestored']);
    expect((await keyHistory(fixture.gw, recovering))[2].data).toMatchObject({ reason: 'trial_succeeded' });

    // 20 requests in each quarter of the window, then 20 after it: the recovered key's count rises to an even share.
    const counts: number[] = [];
    clock.advance(RAMP_MS / 8);
    for (let quarter = 0; quarter < 5; quarter++) {
      let served = 0;
      for (let i = 0; i < 20; i++) if ((await servedBy()) === fingerprint(recovering)) served++;
      counts.push(served);
      clock.advance(quarter < 3 ? RAMP_MS / 4 : RAMP_MS);
    }
    expect(counts[0]).toBeLessThan(5);
    for (let q = 1; q < counts.length; q++) expect(counts[q]).toBeGreaterThan(counts[q - 1]);
    expect(counts[4]).toBe(10);
  });
});
