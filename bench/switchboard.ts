import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, isInstalled, startNode, type ServerProcess } from './processes';

const root = resolve(__dirname, '../..');
const dist = resolve(__dirname, '..');

/**
 * The client key every benchmark request to Switchboard presents. A gateway with no client key
 * configured is open and never reads it, so every Switchboard target gets the same request bytes.
 */
export const BENCH_CLIENT_HEADERS = { authorization: 'Bearer sk-bench-client-0001' };

/** Limits no run comes near, so every request is counted and charged but none is refused. */
const CLIENT_KEY =
  '{ name: bench, key: sk-bench-client-0001, rpm: 1000000000, tpm: 1000000000000, max_parallel: 100000, budget: { usd: 1000000000, per: month } }';

/**
 * What one benchmark Switchboard runs with: each feature production turns on, on or off. Off is
 * the gateway's default for the first two; LOG_LEVEL's default is `info`, the request line on.
 */
export interface SwitchboardConfiguration {
  /** The target's name in every table. */
  name: string;
  /** One client key with rpm, tpm, max_parallel and a budget (in-memory counters); without, /v1 is open. */
  clientKey: boolean;
  /** Finished requests and domain events published to the benchmark's nats-server; without, NATS_URL is empty. */
  analytics: boolean;
  /** `info`: a JSON line per finished request; `warn`: no request line. */
  logLevel: 'info' | 'warn';
  /** The open issue whose performance criterion names this configuration, and whether it names added p50 at c=1 too. */
  criterion?: { issue: number; addedP50: boolean };
}

/** As production runs it (issues 17, 19, 20, 21), tracing off: the benchmark's main Switchboard target. */
export const PRODUCTION: SwitchboardConfiguration = { name: 'switchboard', clientKey: true, analytics: true, logLevel: 'info' };

/**
 * Each open issue's performance criterion in the configuration that issue names: its feature on,
 * the others off. Measured in the capacity phase only (`BENCH_VARIANTS=0` leaves them out).
 */
export const FEATURES_ALONE: readonly SwitchboardConfiguration[] = [
  { name: 'switchboard + client key', clientKey: true, analytics: false, logLevel: 'warn', criterion: { issue: 19, addedP50: false } },
  { name: 'switchboard + analytics', clientKey: false, analytics: true, logLevel: 'warn', criterion: { issue: 20, addedP50: true } },
  { name: 'switchboard + request log', clientKey: false, analytics: false, logLevel: 'info', criterion: { issue: 21, addedP50: true } },
];

/** The configuration in words, for `results.md`; `nats`: whether the benchmark's nats-server runs. */
export function describeConfiguration(config: SwitchboardConfiguration, nats: boolean): string {
  const clientKey = config.clientKey
    ? 'one client key with rpm, tpm, max_parallel and a monthly budget (in-memory counters, limits never reached) presented by every request'
    : 'no client key (/v1 open)';
  const analytics = !config.analytics
    ? 'no NATS (NATS_URL empty)'
    : nats
      ? 'finished requests published to NATS JetStream (a private nats-server)'
      : '**no NATS** (nats-server is not installed: analytics publishing off)';
  const log = config.logLevel === 'info' ? 'a JSON log line per request at LOG_LEVEL=info' : 'LOG_LEVEL=warn (no request line)';
  return `${clientKey}, ${analytics}, ${log}, tracing off, SQLite event store, \`npm start\`'s node flags`;
}

/** Where a benchmark Switchboard finds its upstream, store, port and nats-server. */
export interface SwitchboardPlace {
  upstreamRoot: string;
  /** The path prefix under which the upstream thinks before answering. */
  thinking: string;
  /** A scratch folder of this process's own (config and event store). */
  dir: string;
  port: number;
  nats: BenchNats | undefined;
}

/**
 * The config file and environment of one configuration: one writer for every target, so targets
 * differ only in what their configuration turns on.
 */
export function switchboardSetup(config: SwitchboardConfiguration, place: SwitchboardPlace): { yaml: string; env: NodeJS.ProcessEnv } {
  const { upstreamRoot, thinking, dir, port, nats } = place;
  // Pointed at the fake upstream: one key per profile, one alias per upstream.
  const yaml = [
    ...(config.clientKey ? ['auth:', `  client_keys: [${CLIENT_KEY}]`] : []),
    'providers:',
    `  upstream: { type: openai, base_url: "${upstreamRoot}/v1", keys: ["sk-bench-key-0001"] }`,
    `  thinking: { type: openai, base_url: "${upstreamRoot}${thinking}/v1", keys: ["sk-bench-key-0002"] }`,
    'models:',
    '  bench: { chain: [{ provider: upstream, model: bench-model }] }',
    '  bench-think: { chain: [{ provider: thinking, model: bench-model }] }',
    '',
  ].join('\n');
  const publish = config.analytics && nats !== undefined;
  return {
    yaml,
    env: {
      SWITCHBOARD_CONFIG: join(dir, 'gateway.yaml'),
      EVENT_STORE_URL: `sqlite:${join(dir, 'events.db')}`,
      PORT: String(port),
      NODE_ENV: 'production',
      LOG_LEVEL: config.logLevel,
      LOG_PRETTY: '',
      OTEL_EXPORTER_OTLP_ENDPOINT: '',
      ...(publish ? { NATS_URL: nats.url, NATS_SUBJECT_PREFIX: 'bench', NATS_STREAM_PREFIX: 'BENCH_' } : { NATS_URL: '' }),
    },
  };
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
  config: SwitchboardConfiguration,
  nats: BenchNats | undefined,
  opts: { nodeArgs?: string[]; env?: NodeJS.ProcessEnv; ipc?: boolean; prefix?: string[]; timeoutMs?: number } = {},
): Promise<ServerProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-'));
  const port = await freePort();
  const { yaml, env } = switchboardSetup(config, { upstreamRoot, thinking, dir, port, nats });
  writeFileSync(env.SWITCHBOARD_CONFIG!, yaml);
  const server = await startNode(config.name, [...startFlags(), ...(opts.nodeArgs ?? []), join(dist, 'src/gateway/main.js')], {
    env: { ...env, ...opts.env },
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
