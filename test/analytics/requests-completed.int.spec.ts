import { rmSync } from 'node:fs';
import type { RequestCompletedMessage } from '../../src/gateway/analytics/request-message';
import { fingerprint } from '@switchboard/domain';
import { eventually } from '../support/eventually';
import { startGateway, type StartedGateway } from '../support/start-gateway';
import { reply, startScriptedUpstream, type ScriptedUpstream } from '../support/scripted-upstream';
import { analyticsPrefixes, chat, describeWithNats, NATS_URL, natsProbe, upstreamConfig, type NatsProbe } from './support';

const GOOD = 'sk-scan-good-key-value-000000000001';
const REFUSED = 'sk-scan-refused-key-value-00000000002';
const PROMPT = 'PROMPT-TEXT-never-published-7f3a';
const ANSWER = 'ANSWER-TEXT-never-published-9c1e';
const PRICES = { 'gpt-4o': { input_per_mtok: 2.5, output_per_mtok: 10 } };

/** SSE `data:` payloads of an answer, parsed (without `[DONE]`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function sseChunks(res: Response): Promise<Array<Record<string, any>>> {
  const text = await res.text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('data: ') && line !== 'data: [DONE]')
    .map((line) => JSON.parse(line.slice(6)) as Record<string, any>); // eslint-disable-line @typescript-eslint/no-explicit-any
}

describeWithNats('finished requests on JetStream, and usage', () => {
  let upstream: ScriptedUpstream;
  let probe: NatsProbe;
  const gateways: StartedGateway[] = [];
  const kept: string[] = [];
  const { env, streamPrefix, subjectPrefix } = analyticsPrefixes();
  const requestsStream = `${streamPrefix}SWITCHBOARD_REQUESTS`;
  const eventsStream = `${streamPrefix}SWITCHBOARD_EVENTS`;
  const config = upstreamConfig('', [], {});

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    // The refused key answers 401 once and is retired; every answer repeats the marker text.
    upstream.script(REFUSED, reply.status(401));
    upstream.fallback(reply.chat(`${ANSWER} and more words`));
    probe = await natsProbe();
    Object.assign(config, upstreamConfig(upstream.baseUrl, [REFUSED, GOOD], { prices: PRICES, keeper: { enabled: false } }));
  });
  afterAll(async () => {
    for (const gw of gateways) await gw.close();
    for (const dir of kept) rmSync(dir, { recursive: true, force: true });
    await upstream.close();
    await probe.close(streamPrefix);
  });

  it('a streamed request whose client did not ask for usage gets no usage chunk, and its requests.completed carries the tokens', async () => {
    const gw = await startGateway({ config, env: { NATS_URL, ...env } });
    gateways.push(gw);
    const res = await chat(gw.url, { stream: true, messages: [{ role: 'user', content: PROMPT }] });
    expect(res.status).toBe(200);
    const requestId = res.headers.get('x-request-id');
    const chunks = await sseChunks(res);
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe(`${ANSWER} and more words`);
    expect(chunks.every((c) => Array.isArray(c.choices) && c.choices.length > 0)).toBe(true);
    expect(upstream.requests.at(-1)?.body).toMatchObject({ stream_options: { include_usage: true } });

    const messages = await eventually(
      () => probe.consumeAll<RequestCompletedMessage>(requestsStream),
      (m) => m.length > 0,
    );
    expect(messages).toHaveLength(1);
    const [message] = messages;
    expect(message.subject).toBe(`${subjectPrefix}.requests.completed`);
    expect(message.data).toMatchObject({
      request_id: requestId,
      // Tracing is off in this process: no trace to name.
      trace_id: null,
      endpoint: '/v1/chat/completions',
      alias: 'main',
      stream: true,
      profile: 'burst',
      model: 'gpt-4o',
      key_fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
      status: 200,
      usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
      cost_usd: 0.0000475,
    });
    expect(message.data.ttft_ms).toEqual(expect.any(Number));
    expect(message.data.latency_ms).toBeGreaterThanOrEqual(message.data.ttft_ms!);
  });

  it('/admin/usage totals equal the sum over the requests.completed messages of a scripted run', async () => {
    const gw = gateways[0];
    const asked = await chat(gw.url, {
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: PROMPT }],
    });
    expect((await sseChunks(asked)).at(-1)).toMatchObject({ choices: [], usage: { total_tokens: 7 } });
    for (let i = 0; i < 4; i++) expect((await chat(gw.url, { messages: [{ role: 'user', content: `${PROMPT} ${i}` }] })).status).toBe(200);
    expect((await chat(gw.url, { model: 'no-such-alias' })).status).toBe(404);
    expect((await chat(gw.url, { messages: 'not a list' })).status).toBe(400);
    const sent = 1 + 1 + 4 + 2;
    const messages = await eventually(
      () => probe.consumeAll<RequestCompletedMessage>(requestsStream),
      (m) => m.length >= sent,
    );
    expect(messages).toHaveLength(sent);
    expect(messages.map((m) => m.data.attempts.map((a) => a.outcome))).toContainEqual(['retire', 'ok']);

    // Usage is durable: the first gateway records its last minute on shutdown, a second one reads it back.
    await gw.close({ keep: true });
    gateways.shift();
    kept.push(gw.dir);
    const again = await startGateway({ config, env: { NATS_URL, ...env, EVENT_STORE_URL: `sqlite:${gw.storePath}` } });
    gateways.push(again);
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const usage = (await (await fetch(`${again.url}/admin/usage?from=${from}&to=${to}&by=alias`)).json()) as any; // eslint-disable-line @typescript-eslint/no-explicit-any

    const sum = (pick: (m: RequestCompletedMessage) => number) => messages.reduce((total, m) => total + pick(m.data), 0);
    expect(usage.total).toEqual({
      requests: sent,
      errors: messages.filter((m) => m.data.status >= 400).length,
      input_tokens: sum((m) => m.usage?.prompt_tokens ?? 0),
      output_tokens: sum((m) => m.usage?.completion_tokens ?? 0),
      cost_usd: expect.closeTo(
        sum((m) => m.cost_usd),
        10,
      ),
    });
    expect(usage.total.errors).toBe(2);
    expect(usage.total.cost_usd).toBeGreaterThan(0);
    // Refused before an alias was resolved (unknown model, bad body): counted under no alias.
    expect(usage.rows).toEqual([
      expect.objectContaining({ key: 'main', requests: 6, errors: 0 }),
      expect.objectContaining({ key: null, requests: 2, errors: 2 }),
    ]);

    const byModel = (await (await fetch(`${again.url}/admin/usage?from=${from}&to=${to}&by=model`)).json()) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(byModel.rows.find((r: { key: string }) => r.key === 'gpt-4o')).toMatchObject({ requests: 6 });
    const bad = await fetch(`${again.url}/admin/usage?by=colour`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: unknown }).error).toMatchObject({ param: 'by', code: 'invalid_by' });

    // The rollups are domain events too: published like every other.
    const events = await eventually(
      () => probe.consumeAll<{ type: string }>(eventsStream),
      (e) => e.some((m) => m.data.type === 'UsageRecorded'),
    );
    expect(events.find((m) => m.data.type === 'UsageRecorded')?.subject).toBe(`${subjectPrefix}.events.usage.UsageRecorded`);
  });

  it('no upstream key value, prompt text or answer text is in any message of either stream', async () => {
    const all = [...(await probe.consumeAll(requestsStream)), ...(await probe.consumeAll(eventsStream))];
    expect(all.length).toBeGreaterThan(10);
    expect(all.some((m) => m.data.type === 'KeyRetired')).toBe(true);
    for (const { raw } of all) {
      for (const secret of [GOOD, REFUSED, PROMPT, ANSWER, 'more words']) expect(raw).not.toContain(secret);
    }
    expect(all.some((m) => m.raw.includes(fingerprint(REFUSED)))).toBe(true);
  });
});
