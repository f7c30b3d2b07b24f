import { AckedPublishes } from '../../src/gateway/analytics/acked-publishes';
import { eventually } from '../support/eventually';
import { analyticsPrefixes, describeWithNats, natsProbe, type NatsProbe } from './support';

/** What `requests.completed` publishing counts as published or dropped: JetStream's own answer for each message. */
describeWithNats('JetStream acknowledgements through one subscription', () => {
  const { subjectPrefix, streamPrefix } = analyticsPrefixes();
  const stream = `${streamPrefix}ACKS`;
  const subject = `${subjectPrefix}.acks`;
  let probe: NatsProbe;
  const settled: Array<{ ok: boolean; error?: string }> = [];
  let acks: AckedPublishes;

  beforeAll(async () => {
    probe = await natsProbe();
    await probe.jsm.streams.add({ name: stream, subjects: [subject] });
    acks = new AckedPublishes(probe.nc, 300, (ok, error) => settled.push({ ok, error: error?.message }));
  });
  afterAll(async () => {
    acks?.close();
    await probe?.close(streamPrefix);
  });
  beforeEach(() => settled.splice(0));

  it('settles every stored message as published, and stores each once', async () => {
    for (let i = 0; i < 100; i++) acks.publish(subject, JSON.stringify({ i }));
    await eventually(
      () => settled.length,
      (n) => n >= 100,
    );
    expect(settled).toHaveLength(100);
    expect(settled.every((s) => s.ok)).toBe(true);
    expect(acks.inFlight).toBe(0);
    expect((await probe.jsm.streams.info(stream)).state.messages).toBe(100);
  });

  it('settles a message no stream takes as refused, saying why', async () => {
    acks.publish(`${subjectPrefix}.nobody`, '{}');
    await eventually(
      () => settled.length,
      (n) => n >= 1,
    );
    expect(settled).toHaveLength(1);
    expect(settled[0]).toMatchObject({ ok: false, error: expect.stringMatching(/no responders|no stream|503/i) });
  });

  it('settles a message JetStream refuses (over the stream limit) as refused, with its reason', async () => {
    await probe.jsm.streams.update(stream, { max_msgs: 100, discard: 'new' as never });
    acks.publish(subject, '{"over":true}');
    await eventually(
      () => settled.length,
      (n) => n >= 1,
    );
    expect(settled).toHaveLength(1);
    expect(settled[0]).toMatchObject({ ok: false, error: expect.stringMatching(/maximum messages/i) });
  });

  it('settles a message never acknowledged as dropped once its time is up', async () => {
    const silent = `${subjectPrefix}.silent`;
    // A plain subscriber takes the message and never answers: no status comes back either.
    const sub = probe.nc.subscribe(silent);
    acks.publish(silent, '{}');
    await eventually(
      () => settled.length,
      (n) => n >= 1,
      5_000,
    );
    expect(settled).toHaveLength(1);
    expect(settled[0]).toMatchObject({ ok: false, error: expect.stringMatching(/no acknowledgement within 300 ms/) });
    sub.unsubscribe();
  });
});
