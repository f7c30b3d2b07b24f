// A small JetStream consumer of Switchboard's finished requests (`npm run example:analytics`):
// every ANALYTICS_INTERVAL_S seconds it prints, per provider profile, over the last minute of
// requests: requests, error rate, p50 latency and tokens per minute.
//
//   NATS_URL               default nats://127.0.0.1:4222; credentials as the gateway's (nats://user:password@host:4222
//                          or nats://token@host:4222, percent-encoded)
//   NATS_SUBJECT_PREFIX    default switchboard (as the gateway's)
//   NATS_STREAM_PREFIX     default none (as the gateway's)
//   ANALYTICS_SINCE_MIN    start this many minutes back (default 5; 0: only new requests)
//   ANALYTICS_INTERVAL_S   default 10
//   ANALYTICS_EXIT_AFTER   print once and exit after this many messages (tests, scripts)
import { connect } from '@nats-io/transport-node';
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';

const url = process.env.NATS_URL || 'nats://127.0.0.1:4222';
const prefix = process.env.NATS_SUBJECT_PREFIX || 'switchboard';
const stream = `${process.env.NATS_STREAM_PREFIX ?? ''}SWITCHBOARD_REQUESTS`;
const sinceMin = Number(process.env.ANALYTICS_SINCE_MIN ?? 5);
const intervalS = Number(process.env.ANALYTICS_INTERVAL_S ?? 10);
const exitAfter = Number(process.env.ANALYTICS_EXIT_AFTER ?? 0);
const WINDOW_MS = 60_000;

/**
 * NATS_URL as connect options, read as the gateway reads it (libs/config/nats-url.ts, which this
 * plain script, run by node without the TypeScript build, cannot import): servers separated by
 * commas, credentials (`user:password@` or `token@`, percent-encoded) apart, because the client
 * ignores those written in a server URL. Unlike the gateway it checks nothing.
 */
function natsConnectOptions(natsUrl) {
  const options = { servers: [] };
  for (const text of natsUrl.split(',').map((s) => s.trim())) {
    const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(text)?.[0] ?? '';
    const rest = text.slice(scheme.length);
    // The last `@` ends the credentials.
    const at = rest.lastIndexOf('@');
    options.servers.push(scheme + rest.slice(at + 1));
    if (at <= 0) continue;
    const userinfo = rest.slice(0, at);
    const colon = userinfo.indexOf(':');
    if (colon < 0) options.token = decodeURIComponent(userinfo);
    else
      Object.assign(options, { user: decodeURIComponent(userinfo.slice(0, colon)), pass: decodeURIComponent(userinfo.slice(colon + 1)) });
  }
  return options;
}

/** The last minute of finished requests: {at, provider, status, latency, tokens}. */
let recent = [];
let seen = 0;

function report() {
  const newest = recent.reduce((max, r) => Math.max(max, r.at), 0);
  recent = recent.filter((r) => r.at > newest - WINDOW_MS);
  const byProvider = new Map();
  for (const r of recent) byProvider.set(r.provider, [...(byProvider.get(r.provider) ?? []), r]);
  const rows = [...byProvider].map(([provider, rs]) => {
    const latencies = rs.map((r) => r.latency).sort((a, b) => a - b);
    const spanMin = Math.max((newest - Math.min(...rs.map((r) => r.at))) / WINDOW_MS, 1);
    return {
      provider,
      requests: rs.length,
      error_rate: `${((100 * rs.filter((r) => r.status >= 400).length) / rs.length).toFixed(1)}%`,
      p50_ms: latencies[Math.floor((latencies.length - 1) / 2)],
      tokens_per_min: Math.round(rs.reduce((sum, r) => sum + r.tokens, 0) / spanMin),
    };
  });
  console.log(`${new Date().toISOString()}  ${stream} (${prefix}.requests.completed), last minute of requests:`);
  console.table(rows);
}

const nc = await connect({ ...natsConnectOptions(url), name: 'switchboard-analytics-example' });
const js = jetstream(nc);
const consumer = await js.consumers.get(
  stream,
  sinceMin > 0
    ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: new Date(Date.now() - sinceMin * WINDOW_MS).toISOString() }
    : { deliver_policy: DeliverPolicy.New },
);
const timer = exitAfter ? undefined : setInterval(report, intervalS * 1000);
const messages = await consumer.consume();
for await (const m of messages) {
  const r = m.json();
  recent.push({
    at: Date.parse(r.at),
    provider: r.profile ?? '(none)',
    status: r.status,
    latency: r.latency_ms,
    tokens: r.usage?.total_tokens ?? 0,
  });
  if (exitAfter && ++seen >= exitAfter) {
    report();
    clearInterval(timer);
    await nc.close();
    break;
  }
}
