import { reply } from '../../support/scripted-upstream';
import { manualClock } from '../../support/manual-clock';
import {
  chat,
  fingerprint,
  gatewayFor,
  keyHistory,
  keyState,
  post,
  storedEvents,
  waitFor,
  scriptedUpstreamPerFile,
  firstCallThen,
} from './routing-helpers';

describe('routing failover over HTTP', () => {
  const fixture = scriptedUpstreamPerFile();

  it('retires a key the upstream answers 401 for, serves from the next key, and never calls the retired key again', async () => {
    firstCallThen(fixture.upstream, reply.unauthorized());
    fixture.gw = await gatewayFor(fixture.upstream, { p1: ['sk-ret-a', 'sk-ret-b'] });

    const first = await chat(fixture.gw);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-switchboard-attempts')).toBe('2');
    const retired = fixture.upstream.requests[0].key;
    const survivor = retired === 'sk-ret-a' ? 'sk-ret-b' : 'sk-ret-a';
    expect(first.headers.get('x-switchboard-key')).toBe(fingerprint(survivor));

    for (let i = 0; i < 5; i++) expect((await chat(fixture.gw)).status).toBe(200);
    expect(fixture.upstream.callsFor(retired)).toHaveLength(1);
    expect(fixture.upstream.callsFor(survivor)).toHaveLength(6);
    expect((await keyState(fixture.gw, retired)).state).toBe('retired');
    expect((await keyHistory(fixture.gw, retired)).map((e) => e.type)).toEqual(['KeyRegistered', 'KeyRetired']);
    expect((await keyHistory(fixture.gw, retired))[1].data).toMatchObject({ status: 401 });
  });

  it('retires a key the upstream answers 403 for, and never tries it again', async () => {
    firstCallThen(fixture.upstream, reply.status(403, 'This key may not use this model.'));
    fixture.gw = await gatewayFor(fixture.upstream, { p1: ['sk-403-a', 'sk-403-b'] });

    expect((await chat(fixture.gw)).headers.get('x-switchboard-attempts')).toBe('2');
    const retired = fixture.upstream.requests[0].key;
    for (let i = 0; i < 3; i++) expect((await chat(fixture.gw)).status).toBe(200);
    expect(fixture.upstream.callsFor(retired)).toHaveLength(1);
    expect(await keyState(fixture.gw, retired)).toMatchObject({ state: 'retired' });
    expect((await keyHistory(fixture.gw, retired))[1]).toMatchObject({ type: 'KeyRetired', data: { reason: 'forbidden', status: 403 } });
  });

  it('serves again from a 5xx-quarantined key once its deadline has passed, on the request path alone (no keeper)', async () => {
    firstCallThen(fixture.upstream, reply.serverError(500));
    const clock = manualClock();
    fixture.gw = await gatewayFor(
      fixture.upstream,
      { p1: ['sk-back-a'] },
      { routing: { error_cooldown_ms: 300 }, extra: { keeper: { enabled: false } }, clock },
    );

    const failed = await chat(fixture.gw);
    expect(failed.status).toBe(503);
    const { until } = await keyState(fixture.gw, 'sk-back-a');
    expect(Date.parse(until!)).toBe(clock.now() + 300);
    expect((await chat(fixture.gw)).status).toBe(503); // still cooling down: no call
    expect(fixture.upstream.callsFor('sk-back-a')).toHaveLength(1);
    clock.advance(300);

    const back = await chat(fixture.gw);
    expect(back.status).toBe(200);
    expect(back.headers.get('x-switchboard-key')).toBe(fingerprint('sk-back-a'));
    expect(fixture.upstream.callsFor('sk-back-a')).toHaveLength(2);
    // No timer restored it: the request after the deadline was its trial, and its success did.
    const history = await keyHistory(fixture.gw, 'sk-back-a');
    expect(history.map((e) => e.type)).toEqual(['KeyRegistered', 'KeyQuarantined', 'KeyRestored']);
    expect(history[2].data).toMatchObject({ reason: 'trial_succeeded' });
  });

  it.each([
    ['completions', { model: 'main', prompt: 'Say hi' }, (json: any) => json.choices[0].text], // eslint-disable-line @typescript-eslint/no-explicit-any
    ['embeddings', { model: 'main', input: ['a', 'b'] }, (json: any) => json.data.length], // eslint-disable-line @typescript-eslint/no-explicit-any
  ])('fails over on /v1/%s like on chat', async (path, body, read) => {
    firstCallThen(fixture.upstream, reply.serverError(502));
    fixture.gw = await gatewayFor(fixture.upstream, { p1: ['sk-ops-a', 'sk-ops-b'] });

    const res = await post(`${fixture.gw.url}/v1/${path}`, body);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchboard-attempts')).toBe('2');
    expect(read(res.json)).toEqual(path === 'embeddings' ? 2 : 'scripted answer from p1-model');
    expect(fixture.upstream.requests.map((r) => r.path)).toEqual([`/v1/${path}`, `/v1/${path}`]);
    expect((await keyState(fixture.gw, fixture.upstream.requests[0].key)).state).toBe('quarantined');
  });

  it('gives up when the request deadline would pass before the next retry, though retries and a comeback remain', async () => {
    firstCallThen(fixture.upstream, reply.serverError(503));
    fixture.gw = await gatewayFor(
      fixture.upstream,
      { p1: ['sk-dl-a'] },
      // The same set-up as the backoff test below, but a deadline shorter than the key's comeback.
      {
        routing: { error_cooldown_ms: 200, request_deadline_ms: 100, retries: { max_attempts: 3, base_delay_ms: 50, max_delay_ms: 1_000 } },
      },
    );
    const res = await chat(fixture.gw);
    expect(res.status).toBe(503);
    expect(res.headers.get('x-switchboard-attempts')).toBe('1');
    expect(fixture.upstream.callsFor('sk-dl-a')).toHaveLength(1);
  });

  it('bounds each upstream call by what is left of the request deadline', async () => {
    fixture.upstream.fallback(reply.hang());
    fixture.gw = await gatewayFor(
      fixture.upstream,
      { p1: ['sk-dl-b', 'sk-dl-c'] },
      { routing: { request_deadline_ms: 300 }, profile: { timeout_ms: 30_000 } },
    );

    const res = await chat(fixture.gw);
    expect(res.status).toBe(503);
    // The first call used the whole deadline: the second key was never tried.
    expect(res.json.error.attempts).toEqual([expect.objectContaining({ profile: 'p1', status: null, reason: 'timeout' })]);
    expect(fixture.upstream.requests).toHaveLength(1);
  });

  it('quarantines a rate-limited key until its Retry-After, then brings it back', async () => {
    firstCallThen(fixture.upstream, reply.rateLimited(1));
    const clock = manualClock();
    fixture.gw = await gatewayFor(fixture.upstream, { p1: ['sk-rl-a', 'sk-rl-b'] }, { clock });

    const first = await chat(fixture.gw);
    expect(first.status).toBe(200);
    const limited = fixture.upstream.requests[0].key;
    const other = limited === 'sk-rl-a' ? 'sk-rl-b' : 'sk-rl-a';

    const quarantined = await keyState(fixture.gw, limited);
    expect(quarantined).toMatchObject({ state: 'quarantined', reason: 'rate_limited' });
    const until = Date.parse(quarantined.until!);
    expect(until).toBe(clock.now() + 1_000);

    // While it cools down, only the other key is called.
    const during = await chat(fixture.gw);
    expect(during.headers.get('x-switchboard-key')).toBe(fingerprint(other));
    expect(fixture.upstream.callsFor(limited)).toHaveLength(1);

    clock.advance(1_000);
    await waitFor('the deadline to restore the key', async () => (await keyState(fixture.gw!, limited)).state === 'available');
    // Least recently used: the restored key is next.
    const after = await chat(fixture.gw);
    expect(after.headers.get('x-switchboard-key')).toBe(fingerprint(limited));
    const history = await keyHistory(fixture.gw, limited);
    expect(history.map((e) => e.type)).toEqual(['KeyRegistered', 'KeyQuarantined', 'KeyRestored']);
    expect(history[1].data).toMatchObject({ reason: 'rate_limited', status: 429 });
    expect(history[2].data).toMatchObject({ reason: 'deadline_passed' });
  });

  it.each([
    ['500', reply.serverError(500), 'upstream_error', 500],
    ['503', reply.serverError(503), 'upstream_error', 503],
    ['a hang past the timeout', reply.hang(), 'timeout', undefined],
    ['a connection reset', reply.reset(), 'connection_error', undefined],
  ])('quarantines a key after %s and fails over to the next key', async (_what, behaviour, reason, status) => {
    firstCallThen(fixture.upstream, behaviour);
    fixture.gw = await gatewayFor(fixture.upstream, { p1: ['sk-err-a', 'sk-err-b'] }, { routing: { error_cooldown_ms: 60_000 } });

    const res = await chat(fixture.gw);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchboard-attempts')).toBe('2');
    const failed = fixture.upstream.requests[0].key;
    expect(res.headers.get('x-switchboard-key')).not.toBe(fingerprint(failed));
    expect(res.json.choices[0].message.content).toContain('scripted answer');

    const history = await keyHistory(fixture.gw, failed);
    expect(history.map((e) => e.type)).toEqual(['KeyRegistered', 'KeyQuarantined']);
    expect(history[1].data).toMatchObject({ reason, ...(status ? { status } : {}) });
    expect(Date.parse(history[1].data.until as string)).toBeGreaterThan(Date.now() + 50_000);
  });

  it('moves to the next profile of the chain when a profile has no key left', async () => {
    fixture.upstream.always('sk-p1-only', reply.serverError(502));
    fixture.gw = await gatewayFor(fixture.upstream, { p1: ['sk-p1-only'], p2: ['sk-p2-only'] });

    const res = await chat(fixture.gw);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchboard-provider')).toBe('p2');
    expect(res.headers.get('x-switchboard-model')).toBe('p2-model');
    expect(res.headers.get('x-switchboard-attempts')).toBe('2');
    expect(fixture.upstream.requests.map((r) => [r.key, (r.body as { model: string }).model])).toEqual([
      ['sk-p1-only', 'p1-model'],
      ['sk-p2-only', 'p2-model'],
    ]);
    // p1 has no available key now: the next request goes straight to p2.
    await chat(fixture.gw);
    expect(fixture.upstream.callsFor('sk-p1-only')).toHaveLength(1);
  });

  it.each([400, 404, 413, 422])('returns an upstream %i as it is, without failover, and leaves the key alone', async (status) => {
    const body = { error: { message: `upstream says ${status}`, type: 'invalid_request_error', param: 'messages', code: 'scripted' } };
    fixture.upstream.fallback(reply.json(body, status));
    fixture.gw = await gatewayFor(fixture.upstream, { p1: ['sk-ce-a', 'sk-ce-b'], p2: ['sk-ce-c'] });
    const eventsBefore = (await storedEvents(fixture.gw)).length;

    const res = await chat(fixture.gw);
    expect(res.status).toBe(status);
    expect(res.text).toBe(JSON.stringify(body));
    expect(res.headers.get('x-switchboard-attempts')).toBe('1');
    expect(res.headers.get('x-switchboard-provider')).toBe('p1');
    expect(fixture.upstream.requests).toHaveLength(1);
    expect((await keyState(fixture.gw, fixture.upstream.requests[0].key)).state).toBe('available');
    expect(await storedEvents(fixture.gw)).toHaveLength(eventsBefore);
  });

  it('answers 503 listing every attempt, with Retry-After, when the whole chain fails', async () => {
    fixture.upstream.always('sk-ex-a', reply.serverError(500));
    fixture.upstream.always('sk-ex-b', reply.rateLimited(30));
    fixture.gw = await gatewayFor(fixture.upstream, { p1: ['sk-ex-a'], p2: ['sk-ex-b'] }, { routing: { error_cooldown_ms: 4_000 } });

    const res = await chat(fixture.gw);
    expect(res.status).toBe(503);
    expect(res.headers.get('x-switchboard-attempts')).toBe('2');
    expect(res.json.error).toMatchObject({ type: 'service_unavailable', code: 'chain_exhausted', param: null });
    expect(res.json.error.attempts).toEqual([
      expect.objectContaining({ profile: 'p1', key: fingerprint('sk-ex-a'), status: 500, outcome: 'quarantine' }),
      expect.objectContaining({ profile: 'p2', key: fingerprint('sk-ex-b'), status: 429, outcome: 'quarantine', reason: 'rate_limited' }),
    ]);
    expect(res.json.error.message).toContain(fingerprint('sk-ex-a'));
    // The earliest comeback is p1's key, after its 4 s error cool-down.
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(4);
    expect(res.text).not.toContain('sk-ex-');

    // Everything is cooling down: the next request calls nobody and says when to come back.
    const again = await chat(fixture.gw);
    expect(again.status).toBe(503);
    expect(again.headers.get('x-switchboard-attempts')).toBe('0');
    expect(again.json.error.skipped).toEqual([
      { profile: 'p1', reason: 'no_available_key' },
      { profile: 'p2', reason: 'no_available_key' },
    ]);
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(fixture.upstream.requests).toHaveLength(2);
  });

  it('retries a pass after a full-jitter backoff when a key comes back within the retry budget', async () => {
    firstCallThen(fixture.upstream, reply.serverError(503));
    fixture.gw = await gatewayFor(
      fixture.upstream,
      { p1: ['sk-bo-a'] },
      { routing: { error_cooldown_ms: 200, retries: { max_attempts: 3, base_delay_ms: 50, max_delay_ms: 1_000 } } },
    );
    const res = await chat(fixture.gw);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchboard-attempts')).toBe('2');
    expect(fixture.upstream.callsFor('sk-bo-a')).toHaveLength(2);
  });

  it('answers 404 model_not_found for an unknown alias without calling upstream', async () => {
    fixture.gw = await gatewayFor(fixture.upstream, { p1: ['sk-nf-a'] });
    const res = await chat(fixture.gw, { model: 'no-such-alias' });
    expect(res.status).toBe(404);
    expect(res.json.error).toMatchObject({ code: 'model_not_found', param: 'model', type: 'invalid_request_error' });
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(fixture.upstream.requests).toHaveLength(0);
  });

  it('appends no event for successful requests', async () => {
    fixture.gw = await gatewayFor(fixture.upstream, { p1: ['sk-ok-a', 'sk-ok-b'], p2: ['sk-ok-c'] });
    const before = await storedEvents(fixture.gw);
    const answers = await Promise.all(Array.from({ length: 40 }, () => chat(fixture.gw!)));
    expect(answers.map((a) => a.status)).toEqual(Array(40).fill(200));
    expect(fixture.upstream.requests).toHaveLength(40);
    expect(await storedEvents(fixture.gw)).toEqual(before);
  });
});
