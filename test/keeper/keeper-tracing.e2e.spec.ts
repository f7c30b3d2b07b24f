import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { fingerprint } from '@switchboard/domain';
import { eventually } from '../support/eventually';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver';
import { reply, startScriptedUpstream, type ScriptedUpstream } from '../support/scripted-upstream';
import { childEnv, runEntry, type Child } from './fixtures/child-process';

const DEAD = 'sk-traced-probe-dead-000000000001';
const GOOD = 'sk-traced-probe-good-000000000002';

/**
 * `src/keeper/main.ts` in its own process, configured by OTEL_EXPORTER_OTLP_ENDPOINT only: each
 * probe is a client span with the gateway's attempt attributes (the key's fingerprint, never the
 * key), the upstream is told its id, and the appends the probes cause are spans too.
 */
describe('a traced standalone keeper', () => {
  let receiver: OtlpReceiver;
  let upstream: ScriptedUpstream;
  let keeper: Child | undefined;
  let dir: string;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    upstream = await startScriptedUpstream();
    upstream.always(DEAD, reply.unauthorized());
    upstream.always(GOOD, reply.auto());
    dir = mkdtempSync(join(tmpdir(), 'switchboard-keeper-traced-'));
    const config = {
      providers: { openai_main: { type: 'openai', base_url: upstream.baseUrl, keys: [DEAD, GOOD], probe_interval_ms: 300 } },
      models: { 'main-gpt': { chain: [{ provider: 'openai_main', model: 'gpt-4o' }] } },
      keeper: { probe_interval_ms: 60_000, restore_check_ms: 50 },
    };
    writeFileSync(join(dir, 'gateway.yaml'), stringify(config));
    keeper = runEntry(
      'src/keeper/main.ts',
      childEnv({
        SWITCHBOARD_CONFIG: join(dir, 'gateway.yaml'),
        EVENT_STORE_URL: `sqlite:${join(dir, 'events.db')}`,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_BSP_SCHEDULE_DELAY: '20',
      }),
    );
    await keeper.waitFor(/keeper running/, 60_000);
  });
  afterAll(async () => {
    await keeper?.stop();
    await upstream?.close();
    await receiver?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const probeSpans = (secret: string) =>
    receiver.spans.filter((s) => s.name === 'probe openai_main' && s.attributes['switchboard.key.fingerprint'] === fingerprint(secret));
  const traceparentOf = (span: ReceivedSpan) => `00-${span.traceId}-${span.spanId}-01`;

  it('makes each probe a client span with the fingerprint and the outcome, whose id the upstream got', async () => {
    await eventually(
      () => receiver.spans,
      () => probeSpans(DEAD).length > 0 && probeSpans(GOOD).length > 0,
      20_000,
    );
    const [dead] = probeSpans(DEAD);
    expect(dead).toMatchObject({
      service: 'switchboard-keeper',
      kind: 3 /* CLIENT in OTLP's numbering */,
      attributes: {
        'gen_ai.system': 'openai',
        'switchboard.provider.profile': 'openai_main',
        'switchboard.key.fingerprint': fingerprint(DEAD),
        'switchboard.attempt.outcome': 'retire',
        'http.response.status_code': 401,
      },
    });
    expect(probeSpans(GOOD)[0]).toMatchObject({
      service: 'switchboard-keeper',
      kind: 3,
      attributes: { 'gen_ai.system': 'openai', 'switchboard.key.fingerprint': fingerprint(GOOD), 'switchboard.attempt.outcome': 'ok' },
    });

    // One span per probe: the dead key's one probe (it is retired then), and every call to the good one.
    expect(upstream.callsFor(DEAD).map((call) => call.headers.traceparent)).toEqual([traceparentOf(dead)]);
    const goodCalls = upstream.callsFor(GOOD).map((call) => String(call.headers.traceparent));
    await eventually(
      () => probeSpans(GOOD).map(traceparentOf),
      (spans) => goodCalls.every((call) => spans.includes(call)),
    );
    expect(probeSpans(GOOD).map(traceparentOf)).toEqual(expect.arrayContaining(goodCalls));

    // The retirement the probe caused was appended as a span of the keeper's, as the gateway's appends are.
    const retired = await eventually(
      () =>
        receiver.spans.find(
          (s) =>
            s.attributes['switchboard.event_store.stream'] === `apikey-${fingerprint(DEAD)}` &&
            String(s.attributes['switchboard.event_store.types']).includes('KeyRetired'),
        ),
      (span) => span !== undefined,
    );
    expect(retired).toMatchObject({ service: 'switchboard-keeper', name: 'event-store append apikey' });

    // No key value in any span.
    const everything = JSON.stringify(receiver.spans);
    expect(everything).not.toContain(DEAD);
    expect(everything).not.toContain(GOOD);
  }, 60_000);
});
