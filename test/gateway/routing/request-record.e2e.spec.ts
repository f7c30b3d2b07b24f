import type { RequestRecord } from '../../../src/gateway/routing/request-record';
import { RequestObservers } from '../../../src/gateway/v1/request-observers';
import type { StartedGateway } from '../../support/start-gateway';
import { chatChunks, reply } from '../../support/scripted-upstream';
import { chat, fingerprint, gatewayFor, post, streamed, waitFor, scriptedUpstreamPerFile } from './routing-helpers';

/** The finished-request seam: every /v1 request ends in one record, handed to every registered observer. */
describe('the finished-request record', () => {
  const fixture = scriptedUpstreamPerFile();
  let records: RequestRecord[];

  async function start(profiles: Record<string, string[]>, opts: Parameters<typeof gatewayFor>[2] = {}): Promise<StartedGateway> {
    fixture.gw = await gatewayFor(fixture.upstream, profiles, opts);
    records = [];
    fixture.gw.app.get(RequestObservers).register({ requestFinished: (record) => void records.push(record) });
    return fixture.gw;
  }

  async function oneRecord(): Promise<RequestRecord> {
    await waitFor('the request record', () => records.length > 0);
    expect(records).toHaveLength(1);
    return records[0];
  }

  it('records an answered request: who served it, every attempt, its latency and the usage the answer reported', async () => {
    await start({ p1: ['sk-bad', 'sk-good'] });
    fixture.upstream.script('sk-bad', reply.status(500));
    const res = await chat(fixture.gw!);
    expect(res.status).toBe(200);
    const record = await oneRecord();
    expect(record).toMatchObject({
      requestId: res.headers.get('x-request-id'),
      client: null,
      endpoint: '/v1/chat/completions',
      alias: 'main',
      stream: false,
      profile: 'p1',
      model: 'p1-model',
      key: fingerprint('sk-good'),
      status: 200,
      firstTokenMs: null,
      usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
    });
    expect(record.attempts.map((a) => [a.key, a.status, a.outcome])).toEqual([
      [fingerprint('sk-bad'), 500, 'quarantine'],
      [fingerprint('sk-good'), 200, 'ok'],
    ]);
    expect(record.attempts.every((a) => a.ms >= 0)).toBe(true);
    expect(record.latencyMs).toBeGreaterThanOrEqual(record.attempts[1].ms);
    expect(JSON.stringify(record)).not.toContain('sk-good');
  });

  it('records a stream when it ends, with its first chunk and the usage of its final chunk', async () => {
    await start({ p1: ['sk-a'] });
    const base = { id: 'chatcmpl-scripted', object: 'chat.completion.chunk', created: 1700000000, model: 'm' };
    const usage = { ...base, choices: [], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } };
    fixture.upstream.always('sk-a', { kind: 'sse', events: [...chatChunks(['hi ', 'there'], 'm'), usage], done: true });
    const res = await chat(fixture.gw!, { stream: true, stream_options: { include_usage: true } });
    expect(streamed(res)).toMatchObject({ content: 'hi there', done: true });
    const record = await oneRecord();
    expect(record).toMatchObject({
      stream: true,
      status: 200,
      profile: 'p1',
      usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
    });
    expect(record.firstTokenMs).not.toBeNull();
    expect(record.firstTokenMs!).toBeLessThanOrEqual(record.latencyMs);
  });

  it('records an exhausted chain with no serving profile, while the 503 body lists attempts as before (no durations)', async () => {
    await start({ p1: ['sk-a'] });
    fixture.upstream.always('sk-a', reply.status(500));
    const res = await chat(fixture.gw!);
    expect(res.status).toBe(503);
    expect(res.json.error.attempts[0]).not.toHaveProperty('ms');
    const record = await oneRecord();
    expect(record).toMatchObject({ status: 503, alias: 'main', profile: null, model: null, key: null, usage: null });
    expect(record.attempts).toMatchObject([{ profile: 'p1', status: 500, outcome: 'quarantine' }]);
  });

  it('records a request refused before routing, without an alias', async () => {
    await start({ p1: ['sk-a'] });
    const res = await post(`${fixture.gw!.url}/v1/embeddings`, { model: 'nope', input: 'x' });
    expect(res.status).toBe(404);
    const record = await oneRecord();
    expect(record).toMatchObject({ endpoint: '/v1/embeddings', alias: null, status: 404, attempts: [], profile: null });
  });

  it('keeps answering when an observer throws', async () => {
    await start({ p1: ['sk-a'] });
    fixture.gw!.app.get(RequestObservers).register({
      requestFinished: () => {
        throw new Error('observer bug');
      },
    });
    expect((await chat(fixture.gw!)).status).toBe(200);
    expect((await chat(fixture.gw!)).status).toBe(200);
    await waitFor('both records', () => records.length === 2);
  });
});
