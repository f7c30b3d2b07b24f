import { fingerprint } from '@switchboard/domain';
import { eventually } from '../support/eventually';
import { startGateway, type StartedGateway } from '../support/start-gateway';
import { reply, startScriptedUpstream, type ScriptedUpstream } from '../support/scripted-upstream';
import { analyticsPrefixes, chat, describeWithNats, NATS_URL, natsProbe, storeEvents, upstreamConfig, type NatsProbe } from './support';

interface EventMessage {
  id: string;
  type: string;
  stream: string;
  revision: number;
  position: string;
  at: string;
  data: Record<string, unknown>;
}

const KEYS = Array.from({ length: 6 }, (_, i) => `sk-burst-domain-events-${i}-000000000000`);

describeWithNats('domain events on JetStream', () => {
  let upstream: ScriptedUpstream;
  let probe: NatsProbe;
  const gateways: StartedGateway[] = [];
  const { env, streamPrefix, subjectPrefix } = analyticsPrefixes();
  const eventsStream = `${streamPrefix}SWITCHBOARD_EVENTS`;

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    probe = await natsProbe();
  });
  afterAll(async () => {
    for (const gw of gateways) await gw.close();
    await upstream.close();
    await probe.close(streamPrefix);
  });

  it('a durable consumer created after a burst of key failures receives every domain event of it, in order, once', async () => {
    // Half the keys are refused (retired), half rate-limited (quarantined): one failure event per key.
    KEYS.forEach((key, i) => upstream.always(key, i % 2 ? reply.status(401) : reply.rateLimited(600)));
    const gw = await startGateway({ config: upstreamConfig(upstream.baseUrl, KEYS), env: { NATS_URL, ...env } });
    gateways.push(gw);
    const answers = await Promise.all(KEYS.map(() => chat(gw.url).then((r) => r.status)));
    expect(answers.every((s) => s === 503 || s === 429)).toBe(true);
    const failures = (await storeEvents(gw.storePath)).filter((e) => e.type === 'KeyQuarantined' || e.type === 'KeyRetired');
    expect(failures).toHaveLength(KEYS.length);

    const expected = await storeEvents(gw.storePath);
    const info = await eventually(
      () => probe.jsm.streams.info(eventsStream),
      (i) => i.state.messages >= expected.length,
    );
    expect(info.state.messages).toBe(expected.length);

    const received = await probe.consumeAll<EventMessage>(eventsStream);
    expect(received.map((m) => m.data.id)).toEqual(expected.map((e) => `${e.stream}@${e.revision}`));
    expect(received.map((m) => m.msgId)).toEqual(received.map((m) => m.data.id));
    const quarantine = received.find((m) => m.data.type === 'KeyQuarantined')!;
    expect(quarantine.subject).toBe(`${subjectPrefix}.events.key.KeyQuarantined`);
    expect(quarantine.data).toMatchObject({
      stream: `apikey-${fingerprint(KEYS[0])}`,
      data: expect.objectContaining({ status: 429 }),
    });
    expect(typeof quarantine.data.position).toBe('string');
    expect(received.filter((m) => m.data.type === 'KeyRetired').map((m) => m.subject)).toEqual(
      Array(KEYS.length / 2).fill(`${subjectPrefix}.events.key.KeyRetired`),
    );
    expect(received.find((m) => m.data.type === 'ProviderRegistered')?.subject).toBe(`${subjectPrefix}.events.provider.ProviderRegistered`);
  });
});
