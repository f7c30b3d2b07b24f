import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '../../support/eventually';
import { reply, startScriptedUpstream, type ScriptedUpstream } from '../../support/scripted-upstream';
import { startGateway, type StartedGateway } from '../../support/start-gateway';

const LIMITED = 'sk-metrics-limited-000000000001';
const GOOD = 'sk-metrics-good-00000000000002';

/** What a scrape shows after a failover (one quarantine appended), an answer with usage and a stream. */
describe('/metrics', () => {
  let upstream: ScriptedUpstream;
  let gw: StartedGateway;
  let text: string;

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    upstream.script(LIMITED, reply.rateLimited(30));
    upstream.always(
      GOOD,
      reply.fn((request) =>
        (request.body as { stream?: boolean }).stream ? reply.stream(['a ', 'b'], { intervalMs: 5 }) : reply.chat('metered answer'),
      ),
    );
    gw = await startGateway({
      config: {
        providers: { openai_main: { type: 'openai', base_url: upstream.baseUrl, keys: [LIMITED, GOOD] } },
        models: { 'main-gpt': { chain: [{ provider: 'openai_main', model: 'gpt-4o' }] } },
        keeper: { enabled: false },
      },
    });
    for (const stream of [false, true]) {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'main-gpt', stream, messages: [{ role: 'user', content: 'count me' }] }),
      });
      expect(res.status).toBe(200);
      await res.text();
    }
    // A stream's record is delivered when its relay ends, which can be just after the client read the last byte.
    text = await eventually(
      async () => (await fetch(`${gw.url}/metrics`)).text(),
      (scraped) => /^switchboard_time_to_first_token_seconds_count\{[^}]*\} [1-9]/m.test(scraped),
    );
  });
  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
  });

  const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}()|[\]\\.+*?^$]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);

  it('counts tokens in and out by alias, profile and model', () => {
    expect(value('switchboard_input_tokens_total{alias="main-gpt",provider="openai_main",model="gpt-4o"}')).toBeGreaterThan(0);
    expect(value('switchboard_output_tokens_total{alias="main-gpt",provider="openai_main",model="gpt-4o"}')).toBeGreaterThan(0);
  });

  it('observes the time to first token of streams only', () => {
    expect(value('switchboard_time_to_first_token_seconds_count{alias="main-gpt",provider="openai_main"}')).toBe(1);
  });

  it('shows key states and circuit states per profile', () => {
    expect(value('switchboard_keys{provider="openai_main",state="available"}')).toBe(1);
    expect(value('switchboard_keys{provider="openai_main",state="quarantined"}')).toBe(1);
    expect(value('switchboard_keys{provider="openai_main",state="retired"}')).toBe(0);
    expect(value('switchboard_circuit_state{provider="openai_main",state="closed"}')).toBe(1);
    expect(value('switchboard_circuit_state{provider="openai_main",state="open"}')).toBe(0);
  });

  it('times event-store appends and reports the projection lag', () => {
    // Registering the provider and its keys, then the quarantine: at least one append.
    expect(value('switchboard_event_store_append_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(value('switchboard_projection_lag_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('keeps label cardinality to alias, profile, model, status and outcome: no request id, key or client', () => {
    expect(text).not.toMatch(/request_?id=|fingerprint=|key="|client=/);
  });

  it('the Grafana dashboard queries only metrics this endpoint serves', () => {
    const dashboard = JSON.parse(readFileSync(join(__dirname, '../../../deploy/grafana/switchboard.json'), 'utf8')) as {
      panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
    };
    const served = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    const queried = dashboard.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/\bswitchboard_[a-z_]+/g) ?? []));
    expect(queried.length).toBeGreaterThan(10);
    for (const name of queried) {
      const metric = name.replace(/_(bucket|count|sum)$/, '');
      expect({ name, served: served.has(metric) }).toEqual({ name, served: true });
    }
    const titles = dashboard.panels.map((p) => p.title.toLowerCase()).join(' | ');
    for (const topic of ['request rate', 'error rate', 'p50 / p99', 'first token', 'tokens', 'keys', 'circuits'])
      expect(titles).toContain(topic);
  });
});
