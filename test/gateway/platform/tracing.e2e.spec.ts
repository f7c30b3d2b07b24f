import { fingerprint } from '@switchboard/domain';
import { startTracing, type TracingHandle } from '@switchboard/telemetry';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { eventually } from '../../support/eventually';
import { chatCompletion, reply, startScriptedUpstream, type ScriptedUpstream } from '../../support/scripted-upstream';
import { startGateway, type StartedGateway } from '../../support/start-gateway';
import { CapturedJsonLog } from '../../support/capturing-logger';

const BROKEN = 'sk-trace-broken-00000000000001';
const GOOD = 'sk-trace-good-0000000000000002';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';

/**
 * Tracing on (an in-memory exporter standing in for OTLP): each /v1 request is a server span
 * continuing the client's `traceparent`, with one client span per upstream attempt, whose id the
 * upstream received as its parent; the request's log line names the trace.
 */
describe('traces of /v1 requests', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: TracingHandle | undefined;
  let upstream: ScriptedUpstream;
  let gw: StartedGateway;
  const log = new CapturedJsonLog();

  beforeAll(async () => {
    tracing = startTracing({ service: 'switchboard-gateway', exporter });
    upstream = await startScriptedUpstream();
    upstream.always(BROKEN, reply.serverError(502));
    upstream.always(GOOD, reply.json(chatCompletion('gpt-4o-2024-08-06', 'traced answer')));
    gw = await startGateway({
      config: {
        providers: {
          first: { type: 'openai', base_url: upstream.baseUrl, keys: [BROKEN] },
          second: { type: 'openai', base_url: upstream.baseUrl, keys: [GOOD] },
        },
        models: {
          'main-gpt': {
            chain: [
              { provider: 'first', model: 'gpt-4o' },
              { provider: 'second', model: 'gpt-4o-mini' },
            ],
          },
        },
        // The broken key stays out of rotation once it failed, whatever the pace of the tests.
        routing: { error_cooldown_ms: 600_000 },
        keeper: { enabled: false },
      },
      env: { LOG_LEVEL: 'info' },
      logStream: log,
    });
  });
  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
    await tracing?.shutdown();
  });
  beforeEach(() => {
    exporter.reset();
    upstream.clear();
    upstream.always(BROKEN, reply.serverError(502));
    upstream.always(GOOD, reply.json(chatCompletion('gpt-4o-2024-08-06', 'traced answer')));
  });

  const chat = (requestId: string, headers: Record<string, string> = {}) =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': requestId, ...headers },
      body: JSON.stringify({ model: 'main-gpt', messages: [{ role: 'user', content: 'hi' }] }),
    });
  const spansOf = async (requestId: string): Promise<{ server?: ReadableSpan; attempts: ReadableSpan[] }> => {
    const spans = await eventually(
      () => exporter.getFinishedSpans(),
      (all) => all.some((s) => s.attributes['switchboard.request_id'] === requestId),
    );
    const server = spans.find((s) => s.attributes['switchboard.request_id'] === requestId);
    const attempts = spans.filter((s) => server && s.parentSpanContext?.spanId === server.spanContext().spanId);
    return { server, attempts };
  };
  const logLine = (requestId: string) => log.lines().find((l) => l.msg === 'request finished' && l.requestId === requestId);

  it("continues the client's traceparent: a server span and one client span per attempt, the upstream told each attempt's span", async () => {
    const res = await chat('req-failover', { traceparent: `00-${TRACE_ID}-${CLIENT_SPAN}-01` });
    expect(res.status).toBe(200);

    const { server, attempts } = await spansOf('req-failover');
    expect(server).toBeDefined();
    expect(server!.spanContext().traceId).toBe(TRACE_ID);
    expect(server!.parentSpanContext?.spanId).toBe(CLIENT_SPAN);
    expect(server!.kind).toBe(1 /* SERVER */);
    expect(server!.attributes).toMatchObject({ 'http.route': '/v1/chat/completions', 'http.response.status_code': 200 });
    expect(attempts).toHaveLength(2);
    const [failed, served] = [...attempts].sort((a, b) => (a.startTime[0] - b.startTime[0]) * 1e9 + a.startTime[1] - b.startTime[1]);
    for (const span of attempts) {
      expect(span.spanContext().traceId).toBe(TRACE_ID);
      expect(span.kind).toBe(2 /* CLIENT */);
    }
    expect(failed.attributes).toMatchObject({
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'switchboard.provider.profile': 'first',
      'switchboard.key.fingerprint': fingerprint(BROKEN),
      'switchboard.attempt.outcome': 'quarantine',
      'http.response.status_code': 502,
    });
    expect(failed.status.code).toBe(2 /* ERROR */);
    expect(served.attributes).toMatchObject({
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.usage.input_tokens': 3,
      'gen_ai.usage.output_tokens': 2,
      'switchboard.key.fingerprint': fingerprint(GOOD),
      'switchboard.attempt.outcome': 'ok',
    });

    // Each upstream call carried the traceparent of its own span, in the client's trace.
    expect(upstream.callsFor(BROKEN)[0].headers.traceparent).toBe(`00-${TRACE_ID}-${failed.spanContext().spanId}-01`);
    expect(upstream.callsFor(GOOD)[0].headers.traceparent).toBe(`00-${TRACE_ID}-${served.spanContext().spanId}-01`);
    // No key value in any span.
    expect(JSON.stringify(exporter.getFinishedSpans().map((s) => s.attributes))).not.toMatch(/sk-trace/);
    expect(logLine('req-failover')).toMatchObject({ requestId: 'req-failover', traceId: TRACE_ID });
  });

  it('starts a trace of its own without a traceparent, and the log line names it', async () => {
    const res = await chat('req-root', { traceparent: 'not-a-traceparent' });
    expect(res.status).toBe(200);
    const { server, attempts } = await spansOf('req-root');
    const traceId = server!.spanContext().traceId;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(traceId).not.toBe(TRACE_ID);
    expect(server!.parentSpanContext).toBeUndefined();
    // The broken key is still cooling down from the test before: the good one is the only attempt.
    expect(attempts.map((s) => s.spanContext().traceId)).toEqual([traceId]);
    expect(upstream.callsFor(GOOD)[0].headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(logLine('req-root')).toMatchObject({ traceId });
  });

  it('traces a refused request too, with no attempt', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-unknown' },
      body: JSON.stringify({ model: 'no-such-alias', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(404);
    const { server, attempts } = await spansOf('req-unknown');
    expect(server!.attributes['http.response.status_code']).toBe(404);
    expect(attempts).toEqual([]);
  });

  it("builds a stream's spans when its relay ends, with the tokens and model of its last chunks", async () => {
    upstream.always(
      GOOD,
      reply.stream(['one ', 'two'], {
        model: 'gpt-4o-mini-2024-07-18',
        usage: { prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 },
      }),
    );
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-stream' },
      body: JSON.stringify({ model: 'main-gpt', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(await res.text()).toContain('[DONE]');
    const { server, attempts } = await spansOf('req-stream');
    expect(server!.attributes['http.response.status_code']).toBe(200);
    expect(attempts).toHaveLength(1);
    expect(attempts[0].attributes).toMatchObject({
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'gen_ai.usage.input_tokens': 7,
      'gen_ai.usage.output_tokens': 2,
      'switchboard.attempt.outcome': 'ok',
    });
  });
});
