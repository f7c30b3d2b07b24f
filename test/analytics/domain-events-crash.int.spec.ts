import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { AnalyticsPublishing } from '../../src/gateway/analytics/analytics.module';
import { eventually } from '../support/eventually';
import { deleteStreams, startGateway, type StartedGateway } from '../support/start-gateway';
import { reply, startScriptedUpstream, type ScriptedUpstream } from '../support/scripted-upstream';
import { kill, spawnGateway, type ChildGateway } from './fixtures/spawn-gateway';
import { analyticsPrefixes, chat, describeWithNats, NATS_URL, natsProbe, storeEvents, upstreamConfig, type NatsProbe } from './support';

interface EventMessage {
  id: string;
  type: string;
}

const keys = (tag: string, n: number): string[] =>
  Array.from({ length: n }, (_, i) => `sk-${tag}-${String(i).padStart(4, '0')}-0000000000`);
const idOf = (e: { stream: string; revision: number }): string => `${e.stream}@${e.revision}`;

describeWithNats('domain events on JetStream: crashes and replicas', () => {
  let upstream: ScriptedUpstream;
  let probe: NatsProbe;
  let dir: string;
  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    upstream.fallback(reply.rateLimited(600));
    probe = await natsProbe();
    dir = mkdtempSync(join(tmpdir(), 'switchboard-analytics-'));
  });
  afterAll(async () => {
    await upstream.close();
    await probe.nc.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // Two child processes compile the gateway on start: slow on a busy machine.
  jest.setTimeout(120_000);

  it('a gateway SIGKILLed while publishing, then restarted: each event in the stream exactly once, in order', async () => {
    const { env, streamPrefix } = analyticsPrefixes();
    const stream = `${streamPrefix}SWITCHBOARD_EVENTS`;
    const storePath = join(dir, 'crash.db');
    const configPath = join(dir, 'crash.yaml');
    // Enough keys that registering them is a long run of events to publish, cut short by the kill.
    writeFileSync(configPath, stringify(upstreamConfig(upstream.baseUrl, keys('crash', 200), { keeper: { enabled: false } })));
    const childEnv = { ...env, NATS_URL, EVENT_STORE_URL: `sqlite:${storePath}` };
    let gateway: ChildGateway | undefined;
    try {
      gateway = await spawnGateway(configPath, childEnv);
      const info = await eventually(
        () => probe.jsm.streams.info(stream).catch(() => undefined),
        (i) => (i?.state.messages ?? 0) > 0,
        60_000,
      );
      await kill(gateway.child);
      const atKill = (await probe.jsm.streams.info(stream)).state.messages;
      const total = (await storeEvents(storePath)).length;
      expect(info?.state.messages).toBeGreaterThan(0);
      expect(atKill).toBeLessThan(total); // killed while publishing

      gateway = await spawnGateway(configPath, childEnv);
      // More events after the restart: the restarted publisher follows live appends too.
      await chat(gateway.url);
      const expected = await eventually(
        () => storeEvents(storePath),
        (events) => events.some((e) => e.type === 'KeyQuarantined'),
      );
      await eventually(
        () => probe.jsm.streams.info(stream),
        (i) => i.state.messages >= expected.length,
        60_000,
      );
      const received = await probe.consumeAll<EventMessage>(stream);
      expect(received.map((m) => m.data.id)).toEqual(expected.map(idOf));
    } finally {
      if (gateway) await kill(gateway.child);
      await deleteStreams(NATS_URL, streamPrefix);
    }
  });

  it('two gateways on one SQLite store both publish, and each domain event is in the stream once', async () => {
    const { env, streamPrefix } = analyticsPrefixes();
    const stream = `${streamPrefix}SWITCHBOARD_EVENTS`;
    const config = upstreamConfig(upstream.baseUrl, keys('replica', 12), { keeper: { enabled: false } });
    const gateways: StartedGateway[] = [];
    try {
      const a = await startGateway({ config, env: { NATS_URL, ...env } });
      gateways.push(a);
      gateways.push(await startGateway({ config, env: { NATS_URL, ...env, EVENT_STORE_URL: `sqlite:${a.storePath}` } }));
      // Failures on both replicas: every key gets quarantined by one or the other.
      await Promise.all(Array.from({ length: 12 }, (_, i) => chat(gateways[i % 2].url)));
      const expected = await storeEvents(a.storePath);
      expect(expected.filter((e) => e.type === 'KeyQuarantined')).toHaveLength(12);
      await eventually(
        () => probe.jsm.streams.info(stream),
        (i) => i.state.messages >= expected.length,
      );
      // Both publishers have passed the last event: whatever the second one sent was dropped.
      const publishers = gateways.map((gw) => () => gw.app.get(AnalyticsPublishing).domainEventCounts());
      const head = expected[expected.length - 1].position;
      await eventually(
        () => publishers.map((p) => p()),
        (counts) => counts.every((c) => c.position === head),
      );
      const received = await probe.consumeAll<EventMessage>(stream);
      expect(received.map((m) => m.data.id)).toEqual(expected.map(idOf));
      const counts = publishers.map((p) => p());
      expect(counts[0].published + counts[1].published).toBe(expected.length);
      expect(counts[0].duplicates + counts[1].duplicates).toBeGreaterThan(0);
    } finally {
      for (const gw of gateways) await gw.close();
      await deleteStreams(NATS_URL, streamPrefix);
    }
  });
});
