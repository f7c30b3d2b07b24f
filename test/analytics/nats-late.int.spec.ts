import { freePort, startPrivateNats, type PrivateNats } from '../support/private-nats';
import { eventually } from '../support/eventually';
import { reply, startScriptedUpstream, type ScriptedUpstream } from '../support/scripted-upstream';
import { startGateway, type StartedGateway } from '../support/start-gateway';
import { analyticsPrefixes, chat, describeWithNats, natsProbe, storeEvents, upstreamConfig, type NatsProbe } from './support';

const FAILING = Array.from({ length: 4 }, (_, i) => `sk-late-failing-${i}-0000000000000`);
const GOOD = 'sk-late-good-00000000000000000';
const BUFFER = 2;

interface Readiness {
  status: number;
  details: Record<string, { status: string; message?: string }>;
}

async function readiness(gw: StartedGateway): Promise<Readiness> {
  const res = await fetch(`${gw.url}/health/ready`);
  return { status: res.status, details: ((await res.json()) as Pick<Readiness, 'details'>).details };
}

async function droppedCount(gw: StartedGateway): Promise<number> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('switchboard_analytics_dropped_total{'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

// Needs `nats-server` like the shared one: the test's own server, started only after the gateway.
describeWithNats('a gateway started before its NATS server', () => {
  jest.setTimeout(120_000);
  let nats: PrivateNats | undefined;
  let upstream: ScriptedUpstream;
  let gw: StartedGateway;
  let probe: NatsProbe | undefined;
  const { env, streamPrefix } = analyticsPrefixes();

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    upstream.always(GOOD, reply.chat('fine'));
  });
  afterAll(async () => {
    await gw?.close();
    await probe?.nc.close();
    await upstream?.close();
    await nats?.stop();
  });

  it('serves meanwhile, and once NATS is there publishes every domain event of the wait, in order, once', async () => {
    const port = await freePort();
    gw = await startGateway({
      config: upstreamConfig(upstream.baseUrl, [...FAILING, GOOD], { keeper: { enabled: false }, analytics: { buffer_size: BUFFER } }),
      env: { ...env, NATS_URL: `nats://127.0.0.1:${port}` },
    });

    const before = await readiness(gw);
    expect(before.status).toBe(200);
    expect(before.details).toMatchObject({
      event_store: { status: 'up' },
      nats: { status: 'degraded', message: expect.stringContaining('not reachable yet') },
      analytics: { status: 'degraded' },
    });

    // Each failing key answers 429 once while NATS is absent: KeyQuarantined events to publish later.
    FAILING.forEach((key) => upstream.script(key, reply.rateLimited(600)));
    const meanwhile = 6;
    const statuses: number[] = [];
    for (let i = 0; i < meanwhile; i++) statuses.push((await chat(gw.url)).status);
    expect(statuses).toEqual(Array(meanwhile).fill(200));
    const burst = (await storeEvents(gw.storePath)).filter((e) => e.type === 'KeyQuarantined');
    expect(burst).toHaveLength(FAILING.length);
    // The buffer holds the first BUFFER finished requests; the rest are dropped and counted.
    expect(await droppedCount(gw)).toBe(meanwhile - BUFFER);

    nats = await startPrivateNats({ port });
    const after = await eventually(
      () => readiness(gw),
      (r) => r.details.nats?.status === 'up' && r.details.analytics?.status === 'up',
      30_000,
    );
    expect(after.status).toBe(200);

    probe = await natsProbe(nats.url);
    const connected = probe;
    const expected = await storeEvents(gw.storePath);
    const eventsStream = `${streamPrefix}SWITCHBOARD_EVENTS`;
    await eventually(
      () => connected.jsm.streams.info(eventsStream),
      (info) => info.state.messages >= expected.length,
      30_000,
    );
    const events = await connected.consumeAll<{ id: string; type: string }>(eventsStream);
    expect(events.map((m) => m.data.id)).toEqual(expected.map((e) => `${e.stream}@${e.revision}`));
    const quarantines = events.filter((m) => m.data.type === 'KeyQuarantined').map((m) => m.data.id);
    expect(quarantines).toEqual(burst.map((e) => `${e.stream}@${e.revision}`));

    // The buffered requests are delivered; the dropped ones stay counted, never published late.
    const requestsStream = `${streamPrefix}SWITCHBOARD_REQUESTS`;
    const requests = await eventually(
      () => connected.jsm.streams.info(requestsStream),
      (info) => info.state.messages >= BUFFER,
      30_000,
    );
    expect(requests.state.messages).toBe(BUFFER);
    expect(await droppedCount(gw)).toBe(meanwhile - BUFFER);

    // And from now on as usual: a request is published.
    expect((await chat(gw.url)).status).toBe(200);
    const later = await eventually(
      () => connected.jsm.streams.info(requestsStream),
      (info) => info.state.messages > BUFFER,
    );
    expect(later.state.messages).toBe(BUFFER + 1);
  });
});
