import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { AnalyticsPublishing } from '../../src/gateway/analytics/analytics.module';
import { eventually } from '../support/eventually';
import { startPrivateNats, type PrivateNats } from '../support/private-nats';
import { reply, startScriptedUpstream, type ScriptedUpstream } from '../support/scripted-upstream';
import { startGateway, type StartedGateway } from '../support/start-gateway';
import { analyticsPrefixes, chat, describeWithNats, natsProbe, storeEvents, upstreamConfig } from './support';

const FAILING = Array.from({ length: 5 }, (_, i) => `sk-outage-failing-${i}-000000000000`);
const GOOD = 'sk-outage-good-0000000000000000';
const BUFFER = 2;

async function droppedCount(gw: StartedGateway): Promise<number> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('switchboard_analytics_dropped_total{'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

async function readiness(gw: StartedGateway): Promise<string | undefined> {
  const body = (await (await fetch(`${gw.url}/health/ready`)).json()) as { details: Record<string, { status: string }> };
  return body.details.analytics?.status;
}

// Needs `nats-server` like the shared one; the private server is the only one ever stopped.
describeWithNats('analytics while NATS is away', () => {
  jest.setTimeout(120_000);
  let nats: PrivateNats;
  let upstream: ScriptedUpstream;
  let gw: StartedGateway;
  let watcher: NatsConnection;
  const { env, streamPrefix } = analyticsPrefixes();

  beforeAll(async () => {
    nats = await startPrivateNats();
    upstream = await startScriptedUpstream();
    upstream.always(GOOD, reply.chat('fine'));
    gw = await startGateway({
      config: upstreamConfig(upstream.baseUrl, [...FAILING, GOOD], { keeper: { enabled: false }, analytics: { buffer_size: BUFFER } }),
      env: { ...env, NATS_URL: nats.url },
    });
  });
  afterAll(async () => {
    await nats.resume();
    await gw?.close();
    await watcher?.close();
    await upstream?.close();
    await nats?.stop();
  });

  it('keeps answering; domain events arrive afterwards with nothing lost; the request events it could not hold are counted', async () => {
    const probe = await natsProbe(nats.url);
    watcher = probe.nc;
    const requestsStream = `${streamPrefix}SWITCHBOARD_REQUESTS`;
    const eventsStream = `${streamPrefix}SWITCHBOARD_EVENTS`;
    for (let i = 0; i < 3; i++) expect((await chat(gw.url)).status).toBe(200);
    await eventually(
      () => probe.jsm.streams.info(requestsStream),
      (info) => info.state.messages === 3,
    );
    // And the gateway has JetStream's acknowledgements: one still on its way when NATS stops would
    // time out later and be counted as dropped although stored.
    await eventually(
      async () => gw.app.get(AnalyticsPublishing).requestCounts(),
      (counts) => counts.published === 3 && counts.inFlight === 0,
    );
    await probe.nc.close();

    await nats.pause();
    expect(
      await eventually(
        () => readiness(gw),
        (s) => s === 'degraded',
      ),
    ).toBe('degraded');
    // Each failing key answers 429 once during the outage: five KeyQuarantined events to publish later.
    FAILING.forEach((key) => upstream.script(key, reply.rateLimited(600)));
    const during = 10;
    const statuses: number[] = [];
    for (let i = 0; i < during; i++) statuses.push((await chat(gw.url)).status);
    expect(statuses).toEqual(Array(during).fill(200));
    expect(await droppedCount(gw)).toBe(during - BUFFER);

    await nats.resume();
    const back = await natsProbe(nats.url);
    watcher = back.nc;
    const expected = await storeEvents(gw.storePath);
    expect(expected.filter((e) => e.type === 'KeyQuarantined')).toHaveLength(FAILING.length);
    await eventually(
      () => back.jsm.streams.info(eventsStream),
      (info) => info.state.messages >= expected.length,
      60_000,
    );
    const events = await back.consumeAll<{ id: string }>(eventsStream);
    expect(events.map((m) => m.data.id)).toEqual(expected.map((e) => `${e.stream}@${e.revision}`));

    // Every finished request is either in the stream or counted as dropped, none twice.
    const requests = await eventually(
      () => back.jsm.streams.info(requestsStream),
      (info) => info.state.messages >= 3 + BUFFER,
      30_000,
    );
    expect(requests.state.messages).toBe(3 + BUFFER);
    expect(await droppedCount(gw)).toBe(during - BUFFER);
    expect(
      await eventually(
        () => readiness(gw),
        (s) => s === 'up',
      ),
    ).toBe('up');
    const jsm = await jetstreamManager(back.nc);
    expect((await jsm.streams.info(eventsStream)).state.messages).toBe(expected.length);
  });
});
