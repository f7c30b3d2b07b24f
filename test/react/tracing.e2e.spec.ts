import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGatewayWithConfig, type Child } from '../keeper/fixtures/child-process';
import { analyticsPrefixes, deleteStreams } from '../support/start-gateway';
import { eventually } from '../support/eventually';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver';
import { reply, startScriptedUpstream, type ScriptedUpstream } from '../support/scripted-upstream';
import { describeWithNats, NATS_URL, uniquePrefix } from './support/nats';
import { PATTERNS_DIR, textAction, textAnswer } from './support/react-harness';
import { readSse, toSteps } from './support/sse-client';
import { startToolServerProcess, type ToolServerProcess } from './support/tool-server-process';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const CLIENT_SPAN = 'b7ad6b7169203331';

/** Both entry points as their own processes, configured by the standard OTEL_* variables only. */
describeWithNats('a traced ReAct session: the gateway and the tool server export one trace over OTLP', () => {
  let receiver: OtlpReceiver;
  let upstream: ScriptedUpstream;
  let toolServer: ToolServerProcess | undefined;
  let gateway: Child | undefined;
  let url: string;
  let dir: string;
  const analytics = analyticsPrefixes();

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const prefix = uniquePrefix();
    upstream = await startScriptedUpstream();
    toolServer = await startToolServerProcess({
      subjectPrefix: prefix,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50' },
    });
    dir = mkdtempSync(join(tmpdir(), 'switchboard-tracing-'));
    const config = {
      providers: { up: { type: 'openai', base_url: upstream.baseUrl, keys: ['sk-traced-agent'] } },
      models: { agent: { reasoning_mode: 'react', pattern: 'basic_react', chain: [{ provider: 'up', model: 'scripted-model' }] } },
      react: { patterns_dir: PATTERNS_DIR, step_timeout_ms: 10_000, total_timeout_ms: 30_000 },
      keeper: { enabled: false },
    };
    ({ child: gateway, url } = await runGatewayWithConfig(dir, config, {
      NATS_URL,
      NATS_TOOLS_PREFIX: prefix,
      ...analytics,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '50',
    }));
  });
  afterAll(async () => {
    await gateway?.stop();
    await toolServer?.stop();
    await deleteStreams(NATS_URL, analytics.NATS_STREAM_PREFIX);
    if (dir) rmSync(dir, { recursive: true, force: true });
    await upstream?.close();
    await receiver?.close();
  });

  it('holds the session, its steps, the tool call on both sides and the appends, under the client span', async () => {
    upstream.script(
      'sk-traced-agent',
      reply.chat(textAction('Multiply first.', 'calculator', { expression: '6 * 7' })),
      reply.chat(textAnswer('I now know the final answer', '42')),
    );
    const res = await fetch(`${url}/v1/react/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${TRACE_ID}-${CLIENT_SPAN}-01` },
      body: JSON.stringify({ model: 'agent', messages: [{ role: 'user', content: 'What is 6 * 7?' }] }),
    });
    const steps = toSteps(await readSse(res));
    expect(steps.at(-1)).toMatchObject({ type: 'answer', data: { content: '42' } });
    // The session's one request log line names the client's trace.
    await gateway!.waitFor(new RegExp(`"traceId":"${TRACE_ID}","client":null,"endpoint":"/v1/react/sessions"`));

    const toolSide = (spans: ReceivedSpan[]) => spans.filter((s) => s.service === 'switchboard-tool-server');
    // The request's own span ends last, when its stream has been written.
    const received = await eventually(
      () => receiver.spans,
      (all) => toolSide(all).length > 0 && all.some((s) => s.name === 'POST /v1/react/sessions'),
    );
    // The start-up's appends (keys registered) are traces of their own; the session's are all in the client's.
    const spans = received.filter((s) => s.traceId === TRACE_ID);
    expect(toolSide(received).filter((s) => s.traceId !== TRACE_ID)).toEqual([]);
    const gatewaySpans = spans.filter((s) => s.service === 'switchboard-gateway');

    const named = (name: string, list = gatewaySpans) => {
      const found = list.filter((s) => s.name === name);
      expect(found.map((s) => s.name)).toEqual([name]);
      return found[0];
    };
    const server = named('POST /v1/react/sessions');
    expect(server.parentSpanId).toBe(CLIENT_SPAN);
    const session = named('invoke_agent agent');
    expect(session.parentSpanId).toBe(server.spanId);
    const [step1, step2] = [named('react step 1'), named('react step 2')];
    expect([step1.parentSpanId, step2.parentSpanId]).toEqual([session.spanId, session.spanId]);
    const modelCalls = [step1, step2].map((step) => gatewaySpans.find((s) => s.name === 'chat agent' && s.parentSpanId === step.spanId));
    expect(modelCalls.map((s) => s?.name)).toEqual(['chat agent', 'chat agent']);
    // Each model call's upstream attempt: a client span under it, whose id the upstream got as its parent.
    const attempts = modelCalls.map((call) => gatewaySpans.find((s) => s.parentSpanId === call?.spanId && s.kind === 3 /* CLIENT */));
    expect(attempts.map((s) => s?.attributes)).toEqual([
      expect.objectContaining({ 'gen_ai.system': 'openai', 'gen_ai.request.model': 'scripted-model', 'switchboard.attempt.outcome': 'ok' }),
      expect.objectContaining({ 'gen_ai.system': 'openai', 'gen_ai.request.model': 'scripted-model', 'switchboard.attempt.outcome': 'ok' }),
    ]);
    expect(upstream.callsFor('sk-traced-agent').map((r) => r.headers.traceparent)).toEqual(
      attempts.map((s) => `00-${TRACE_ID}-${s?.spanId}-01`),
    );

    // The tool call, seen from both processes: the tool server's span is the child of the gateway's.
    const call = named('execute_tool calculator');
    expect(call.parentSpanId).toBe(step1.spanId);
    expect(call.attributes).toMatchObject({ 'gen_ai.tool.name': 'calculator' });
    const served = named('execute_tool calculator', toolSide(spans));
    expect(served.parentSpanId).toBe(call.spanId);
    expect(served.kind).toBe(2 /* SERVER in OTLP's numbering */);

    // Every fact of the session was appended inside the session's spans.
    const appends = gatewaySpans.filter((s) => s.name === 'event-store append react');
    expect(appends.length).toBeGreaterThanOrEqual(5);
    const inSession = new Set([session.spanId, step1.spanId, step2.spanId]);
    expect(appends.every((s) => inSession.has(s.parentSpanId))).toBe(true);
  });

  it('an agent answering /v1/chat/completions is traced the same way, under the client span', async () => {
    const traceId = '5b8efff798038103d269b633813fc60c';
    upstream.script('sk-traced-agent', reply.chat(textAnswer('I know this one', 'Paris')));
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${CLIENT_SPAN}-01` },
      body: JSON.stringify({ model: 'agent', messages: [{ role: 'user', content: 'Capital of France?' }] }),
    });
    expect(res.status).toBe(200);
    const spans = await eventually(
      () => receiver.spans.filter((s) => s.traceId === traceId),
      (mine) => mine.some((s) => s.name === 'POST /v1/chat/completions'),
    );
    const server = spans.find((s) => s.name === 'POST /v1/chat/completions');
    expect(server?.parentSpanId).toBe(CLIENT_SPAN);
    expect(spans.find((s) => s.name === 'invoke_agent agent')?.parentSpanId).toBe(server?.spanId);
  });
});
