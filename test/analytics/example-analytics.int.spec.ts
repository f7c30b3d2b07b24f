import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { jetstream } from '@nats-io/jetstream';
import { startPrivateNats } from '../support/private-nats';
import { analyticsPrefixes, describeWithNats, NATS_URL, natsProbe, type NatsProbe } from './support';

const run = promisify(execFile);

const message = (profile: string, status: number, latency_ms: number, total_tokens: number) => ({
  request_id: `r-${Math.random()}`,
  at: new Date().toISOString(),
  client: null,
  endpoint: '/v1/chat/completions',
  alias: 'main',
  stream: false,
  profile,
  model: 'gpt-4o',
  key_fingerprint: '0123456789abcdef',
  status,
  attempts: [],
  latency_ms,
  ttft_ms: null,
  usage: { prompt_tokens: total_tokens - 1, completion_tokens: 1, total_tokens },
  cost_usd: 0,
});

/**
 * Three finished requests in a stream of the test's own on the server at `url`, then the example's
 * table rows for them (it reads `url` as NATS_URL).
 */
async function printedRows(url: string): Promise<string[]> {
  const probe: NatsProbe = await natsProbe(url);
  const { env, streamPrefix, subjectPrefix } = analyticsPrefixes();
  try {
    const subject = `${subjectPrefix}.requests.completed`;
    await probe.jsm.streams.add({ name: `${streamPrefix}SWITCHBOARD_REQUESTS`, subjects: [subject] });
    const js = jetstream(probe.nc);
    for (const m of [message('openai_main', 200, 100, 10), message('openai_main', 503, 300, 0), message('azure', 200, 50, 20)]) {
      await js.publish(subject, JSON.stringify(m));
    }
    const { stdout } = await run(process.execPath, [join(__dirname, '../../examples/analytics-consumer.mjs')], {
      env: { ...process.env, ...env, NATS_URL: url, ANALYTICS_EXIT_AFTER: '3' },
      timeout: 30_000,
    });
    return stdout.split('\n').filter((line) => line.includes("'openai_main'") || line.includes("'azure'"));
  } finally {
    await probe.close(streamPrefix);
  }
}

/** `npm run example:analytics`: the README's consumer, against a stream of its own. */
describeWithNats('the analytics example consumer', () => {
  it('prints per-provider requests, error rate, p50 latency and tokens per minute', async () => {
    const rows = await printedRows(NATS_URL);
    expect(rows).toHaveLength(2);
    expect(rows.find((r) => r.includes('openai_main'))).toMatch(/│\s+2\s+│\s+'50\.0%'\s+│\s+100\s+│\s+10\s+│/);
    expect(rows.find((r) => r.includes('azure'))).toMatch(/│\s+1\s+│\s+'0\.0%'\s+│\s+50\s+│\s+20\s+│/);
  });

  it("connects with NATS_URL's credentials, as the gateway does (a percent-encoded password)", async () => {
    const nats = await startPrivateNats({ auth: { user: 'analyst', pass: 'p@ss:w/rd' } });
    try {
      const rows = await printedRows(nats.url.replace('nats://', `nats://analyst:${encodeURIComponent('p@ss:w/rd')}@`));
      expect(rows).toHaveLength(2);
    } finally {
      await nats.stop();
    }
  });
});
