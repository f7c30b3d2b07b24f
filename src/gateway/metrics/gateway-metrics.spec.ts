import type { RequestRecord } from '../routing/request-record';
import { GatewayMetrics } from './gateway-metrics';

const record = (over: Partial<RequestRecord>): RequestRecord =>
  ({
    alias: 'main-gpt',
    profile: 'openai_main',
    model: 'gpt-4o',
    status: 200,
    latencyMs: 20,
    firstTokenMs: null,
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    ...over,
  }) as RequestRecord;

/** The request path counts runs of alike requests without a lookup: what a scrape shows must not depend on their order. */
describe('GatewayMetrics', () => {
  it('counts each request in its own series however requests alike and unlike interleave', async () => {
    const metrics = new GatewayMetrics();
    const records = [
      record({}),
      record({}),
      record({ status: 503, profile: null, model: null, usage: null }),
      record({}),
      record({ alias: 'embed', model: 'text-embedding-3-small', usage: null }),
      record({ alias: 'embed', model: 'text-embedding-3-small' }),
      record({ model: 'gpt-4o-mini', usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } }),
      record({}),
    ];
    for (const r of records) metrics.requestFinished(r);
    metrics.upstreamAttempt('openai_main', 'ok');
    metrics.upstreamAttempt('openai_main', 'quarantine');
    metrics.upstreamAttempt('openai_main', 'ok');
    const text = await metrics.registry.metrics();

    expect(text).toContain('switchboard_requests_total{alias="main-gpt",provider="openai_main",status="200"} 5');
    expect(text).toContain('switchboard_requests_total{alias="main-gpt",provider="none",status="503"} 1');
    expect(text).toContain('switchboard_requests_total{alias="embed",provider="openai_main",status="200"} 2');
    expect(text).toContain('switchboard_request_duration_seconds_count{alias="main-gpt",provider="openai_main"} 5');
    expect(text).toContain('switchboard_request_duration_seconds_count{alias="main-gpt",provider="none"} 1');
    expect(text).toContain('switchboard_input_tokens_total{alias="main-gpt",provider="openai_main",model="gpt-4o"} 40');
    expect(text).toContain('switchboard_output_tokens_total{alias="main-gpt",provider="openai_main",model="gpt-4o-mini"} 2');
    expect(text).toContain('switchboard_input_tokens_total{alias="embed",provider="openai_main",model="text-embedding-3-small"} 10');
    expect(text).toContain('switchboard_upstream_attempts_total{provider="openai_main",outcome="ok"} 2');
    expect(text).toContain('switchboard_upstream_attempts_total{provider="openai_main",outcome="quarantine"} 1');
    // A series appears once it counted something: no tokens for the 503, which reported none.
    expect(text).not.toContain('switchboard_input_tokens_total{alias="main-gpt",provider="none"');
  });
});
