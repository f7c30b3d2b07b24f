import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, isInstalled, startNode, type ServerProcess } from './processes';

const root = resolve(__dirname, '../..');
const dist = resolve(__dirname, '..');

/** The client key the benchmark's requests present to Switchboard (configured with limits below). */
export const BENCH_CLIENT_HEADERS = { authorization: 'Bearer sk-bench-client-0001' };

/** Limits no run comes near, so every request is counted and charged but none is refused. */
const CLIENT_KEY =
  '{ name: bench, key: sk-bench-client-0001, rpm: 1000000000, tpm: 1000000000000, max_parallel: 100000, budget: { usd: 1000000000, per: month } }';

/**
 * What the benchmark's Switchboard runs with, as production does (issues 17, 19, 20, 21): one
 * client key with rpm, tpm, max_parallel and a budget (counters in memory), finished requests
 * published to NATS JetStream (a private nats-server, streams and subjects of the benchmark's
 * own), a JSON line per request at LOG_LEVEL=info on standard output, tracing off, and the node
 * flags of `npm start`. Stated in `results.md`.
 */
export function describeSwitchboard(nats: boolean): string {
  return (
    'Switchboard ran as in production: one client key with rpm, tpm, max_parallel and a monthly budget (in-memory counters, ' +
    `limits never reached) presented by every request, ${nats ? 'finished requests published to NATS JetStream (a private nats-server)' : '**no NATS** (nats-server is not installed: analytics publishing off)'}, ` +
    "a JSON log line per request at LOG_LEVEL=info, tracing off, SQLite event store, `npm start`'s node flags."
  );
}

/** A nats-server of the benchmark's own (JetStream, a temp store), so publishing reaches a real server and pollutes none. */
export interface BenchNats {
  url: string;
  stop(): void;
}

export async function startBenchNats(): Promise<BenchNats | undefined> {
  if (!isInstalled('nats-server')) return undefined;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-nats-'));
  const child: ChildProcess = spawn('nats-server', ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const stop = () => {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!(await natsAnswers(port))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      stop();
      throw new Error(`the benchmark's nats-server on port ${port} did not start`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `nats://127.0.0.1:${port}`, stop };
}

function natsAnswers(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('data', (data) => {
      socket.destroy();
      done(String(data).startsWith('INFO'));
    });
    socket.once('error', () => done(false));
  });
}

export async function startSwitchboard(
  upstreamRoot: string,
  thinking: string,
  nats: BenchNats | undefined,
  opts: { nodeArgs?: string[]; env?: NodeJS.ProcessEnv; ipc?: boolean; prefix?: string[]; timeoutMs?: number } = {},
): Promise<ServerProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-'));
  const port = await freePort();
  // Pointed at the fake upstream: one key per profile, one alias per upstream.
  writeFileSync(
    join(dir, 'gateway.yaml'),
    [
      'auth:',
      `  client_keys: [${CLIENT_KEY}]`,
      'providers:',
      `  upstream: { type: openai, base_url: "${upstreamRoot}/v1", keys: ["sk-bench-key-0001"] }`,
      `  thinking: { type: openai, base_url: "${upstreamRoot}${thinking}/v1", keys: ["sk-bench-key-0002"] }`,
      'models:',
      '  bench: { chain: [{ provider: upstream, model: bench-model }] }',
      '  bench-think: { chain: [{ provider: thinking, model: bench-model }] }',
      '',
    ].join('\n'),
  );
  const server = await startNode('switchboard', [...startFlags(), ...(opts.nodeArgs ?? []), join(dist, 'src/gateway/main.js')], {
    env: {
      SWITCHBOARD_CONFIG: join(dir, 'gateway.yaml'),
      EVENT_STORE_URL: `sqlite:${join(dir, 'events.db')}`,
      PORT: String(port),
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      LOG_PRETTY: '',
      OTEL_EXPORTER_OTLP_ENDPOINT: '',
      ...(nats ? { NATS_URL: nats.url, NATS_SUBJECT_PREFIX: 'bench', NATS_STREAM_PREFIX: 'BENCH_' } : { NATS_URL: '' }),
      ...opts.env,
    },
    port,
    readyPath: '/health/ready',
    timeoutMs: opts.timeoutMs ?? 60_000,
    ipc: opts.ipc,
    prefix: opts.prefix,
  });
  const stop = server.stop;
  return { ...server, stop: () => stop().finally(() => rmSync(dir, { recursive: true, force: true })) };
}

/** The node flags `npm start` runs the gateway with, so the benchmark measures what users run. */
function startFlags(): string[] {
  const start = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start;
  return start.split(/\s+/).filter((arg) => arg.startsWith('--'));
}
