import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { benchEventStores, type EventStoreResult, type EventStoreSkipped } from './event-store.bench';
import { callgrindPrefix, countDir, countInstructions, hasCallgrind, type InstructionCount } from './instructions';
import { loadGenerator, median, runLoad, runStreams, type LoadResult, type StreamResult, type Target } from './load';
import { cpuMsOf, freePort, memoryOf, settle, startNode, type ServerProcess } from './processes';
import {
  BENCH_CLIENT_HEADERS,
  describeConfiguration,
  FEATURES_ALONE,
  PRODUCTION,
  startBenchNats,
  startSwitchboard,
  type BenchNats,
  type SwitchboardConfiguration,
} from './switchboard';

/**
 * `npm run bench`: one run, one machine, one fake upstream; direct (the floor), a raw undici proxy
 * (what Node can do), Switchboard on its defaults, and Portkey's open-source gateway, side by side.
 *
 * Two load phases, each at every concurrency, rounds interleaved across targets:
 * - capacity: the upstream answers at once, so every req/s is the proxy's own cost per request;
 * - latency: the upstream thinks BENCH_THINK_MS before answering, as a model does, so the proxies
 *   are not saturated and "added latency" is what a gateway adds to a model call under that many
 *   concurrent calls. (Saturated, added latency is only the throughput gap by Little's law.)
 * Knobs: BENCH_DURATION_S (per measurement), BENCH_ROUNDS (median of), BENCH_THINK_MS,
 * BENCH_STREAMS (sequential streaming requests per target, targets in turn), BENCH_CONCURRENCY
 * (e.g. "1,32,256"), BENCH_FLOORS=1 (two more targets below the raw proxy, `floor-proxies.ts`: load
 * tables only, no targets checked), BENCH_INSTRUCTIONS=0 (no instruction counts; they take a few
 * minutes under valgrind, `instructions.ts`), BENCH_TRACING=1 (one more target, "switchboard traced":
 * OTEL_EXPORTER_OTLP_ENDPOINT set, its spans posted to `span-sink.ts`; in every table, no target checked),
 * BENCH_VARIANTS=0 (leaves out the three Switchboard targets with one feature alone, `FEATURES_ALONE`
 * in `switchboard.ts`, measured in the capacity phase for the open issues' criteria),
 * BENCH_ONLY=instructions (only the counts, printed, no
 * results.md: an A/B of a change to the request path on a shared machine), BENCH_COUNT_TARGETS
 * (which of "buffered proxy,raw proxy,switchboard" to count, or a configuration of `FEATURES_ALONE` by name), BENCH_COUNT_WARM and
 * BENCH_COUNT_REQUESTS (requests to warm with and to count).
 * Switchboard runs in the production configuration `switchboard.ts` describes (a client key with
 * limits, NATS publishing to a private nats-server, a log line per request), and, for the criteria
 * of issues 19, 20 and 21, with each of those features alone.
 */
const root = resolve(__dirname, '../..');
const dist = resolve(__dirname, '..');
const durationS = Number(process.env.BENCH_DURATION_S ?? 5);
// Five: one round that a noisy neighbour on a shared VM spoils still leaves the median honest.
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const thinkMs = Number(process.env.BENCH_THINK_MS ?? 20);
const streams = Number(process.env.BENCH_STREAMS ?? 60);
const concurrencies = (process.env.BENCH_CONCURRENCY ?? '1,32,256').split(',').map(Number);
const floors = process.env.BENCH_FLOORS === '1';
const instructions = process.env.BENCH_INSTRUCTIONS !== '0';
const tracing = process.env.BENCH_TRACING === '1';
const variants = process.env.BENCH_VARIANTS !== '0';
const onlyInstructions = process.env.BENCH_ONLY === 'instructions';
const countTargets = (process.env.BENCH_COUNT_TARGETS ?? 'buffered proxy,raw proxy,switchboard').split(',');
const upstreamChunks = 20;

type Phase = 'capacity' | 'latency';
/**
 * One target as each phase reaches it: the same process, an instant or a thinking upstream behind
 * it. Without `latency` it runs in the capacity phase only (a Switchboard with one feature alone).
 */
interface PhasedTarget {
  name: string;
  capacity: Target;
  latency?: Target;
  pid?: number;
  floor?: boolean;
}
/** One run, with the CPU its server spent per request answered (user + system, every thread; NaN for direct). */
type RunResult = LoadResult & { cpuUs: number };
type Results = Map<string, Map<number, RunResult[]>>;

async function main(): Promise<void> {
  const started: ServerProcess[] = [];
  let nats: BenchNats | undefined;
  const stopAll = async () => {
    await Promise.all(started.map((s) => s.stop()));
    nats?.stop();
  };
  process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));
  try {
    log(`machine: ${cpus().length} cores; duration ${durationS}s x ${rounds} rounds; latency phase upstream thinks ${thinkMs} ms`);
    const upstream = await startNode('upstream', [join(dist, 'bench/upstream.js'), `--chunks=${upstreamChunks}`]);
    started.push(upstream);
    const upstreamRoot = `http://127.0.0.1:${upstream.port}`;
    const thinking = `/think/${thinkMs}`;
    nats = await startBenchNats();
    if (!nats) log('nats-server is not installed: Switchboard runs without analytics publishing');
    if (onlyInstructions) {
      const counts = await countPerRequest(upstreamRoot, thinking, nats);
      for (const x of counts ?? []) log(`instructions: ${x.name}: ${formatCount(x)}`);
      return;
    }

    const raw = await startNode('raw proxy', [join(dist, 'bench/raw-proxy.js'), `--upstream=${upstreamRoot}`]);
    started.push(raw);
    const switchboard = await startSwitchboard(upstreamRoot, thinking, PRODUCTION, nats);
    started.push(switchboard);
    const portkey = await startPortkey();
    if (portkey) started.push(portkey);

    const key = { authorization: 'Bearer sk-bench' };
    const targets: PhasedTarget[] = [
      {
        name: 'direct',
        capacity: { name: 'direct', url: `${upstreamRoot}/v1/chat/completions`, headers: key },
        latency: { name: 'direct', url: `${upstreamRoot}${thinking}/v1/chat/completions`, headers: key },
      },
      {
        name: 'raw proxy',
        pid: raw.child.pid,
        capacity: { name: 'raw proxy', url: `http://127.0.0.1:${raw.port}/v1/chat/completions`, headers: key },
        latency: { name: 'raw proxy', url: `http://127.0.0.1:${raw.port}${thinking}/v1/chat/completions`, headers: key },
      },
      {
        name: 'switchboard',
        pid: switchboard.child.pid,
        capacity: {
          name: 'switchboard',
          url: `http://127.0.0.1:${switchboard.port}/v1/chat/completions`,
          headers: BENCH_CLIENT_HEADERS,
          model: 'bench',
        },
        latency: {
          name: 'switchboard',
          url: `http://127.0.0.1:${switchboard.port}/v1/chat/completions`,
          headers: BENCH_CLIENT_HEADERS,
          model: 'bench-think',
        },
      },
    ];
    for (const config of variants ? FEATURES_ALONE : []) {
      if (config.analytics && !nats) {
        log(`${config.name}: nats-server is not installed; skipped`);
        continue;
      }
      const alone = await startSwitchboard(upstreamRoot, thinking, config, nats);
      started.push(alone);
      const { name } = config;
      targets.push({
        name,
        pid: alone.child.pid,
        capacity: { name, url: `http://127.0.0.1:${alone.port}/v1/chat/completions`, headers: BENCH_CLIENT_HEADERS, model: 'bench' },
      });
    }
    if (tracing) {
      const sink = await startNode('span sink', [join(dist, 'bench/span-sink.js')]);
      started.push(sink);
      const traced = await startSwitchboard(upstreamRoot, thinking, PRODUCTION, nats, {
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sink.port}` },
      });
      started.push(traced);
      const url = `http://127.0.0.1:${traced.port}/v1/chat/completions`;
      const name = 'switchboard traced';
      targets.push({
        name,
        pid: traced.child.pid,
        capacity: { name, url, headers: BENCH_CLIENT_HEADERS, model: 'bench' },
        latency: { name, url, headers: BENCH_CLIENT_HEADERS, model: 'bench-think' },
      });
    }
    if (portkey) {
      const via = (host: string): Target => ({
        name: 'portkey',
        url: `http://127.0.0.1:${portkey.port}/v1/chat/completions`,
        headers: { ...key, 'x-portkey-provider': 'openai', 'x-portkey-custom-host': host },
      });
      targets.push({
        name: 'portkey',
        pid: portkey.child.pid,
        capacity: via(`${upstreamRoot}/v1`),
        latency: via(`${upstreamRoot}${thinking}/v1`),
      });
    }

    if (floors) {
      // Right after direct, least first: direct, socket pipe, buffered proxy, raw proxy, …
      const kinds = [
        ['pipe', 'socket pipe'],
        ['buffered', 'buffered proxy'],
      ] as const;
      for (const [i, [kind, name]] of kinds.entries()) {
        const floor = await startNode(name, [join(dist, 'bench/floor-proxies.js'), `--kind=${kind}`, `--upstream=${upstreamRoot}`]);
        started.push(floor);
        const floorRoot = `http://127.0.0.1:${floor.port}`;
        targets.splice(1 + i, 0, {
          name,
          pid: floor.child.pid,
          floor: true,
          capacity: { name, url: `${floorRoot}/v1/chat/completions`, headers: key },
          latency: { name, url: `${floorRoot}${thinking}/v1/chat/completions`, headers: key },
        });
      }
    }

    for (const t of targets) await runLoad(t.capacity, 32, Math.min(2, durationS)); // warm-up: JIT, pools
    const servers = started.map((s) => s.child.pid!);
    await settle(servers);

    const rssRounds: number[] = [];
    // Latency first: after the capacity phase's c=256 runs every process, the upstream too, answers
    // with a longer tail right after (direct's p99 at c=32 went from 22 to 28 ms), which would be
    // charged to whichever phase came next.
    const latency = await runPhase('latency', targets, servers);
    const capacity = await runPhase('capacity', targets, servers, (t, c) => {
      if (t.name === 'switchboard' && c === Math.max(...concurrencies)) rssRounds.push(memoryOf(t.pid!).rssMb);
    });

    const streaming = await runStreams(
      targets.filter((x) => !x.floor && x.latency).map((t) => t.capacity),
      streams,
    );
    for (const [name, s] of streaming)
      log(`${name.padEnd(14)} streaming: first chunk ${s.ttfc.toFixed(3)} ms, last ${s.ttlc.toFixed(3)} ms`);

    const memory = new Map(targets.filter((t) => t.pid && !t.floor && t.latency).map((t) => [t.name, memoryOf(t.pid!)]));
    await Promise.all(started.splice(1).map((s) => s.stop()));

    log('event stores (SQLite, PostgreSQL): appends and a 100,000-event projection rebuild');
    const stores = await benchEventStores();

    log('profiling Switchboard under load (V8 sampling profiler, start-up excluded)');
    const profile = await profileSwitchboard(upstreamRoot, thinking, nats);

    const counts = instructions ? await countPerRequest(upstreamRoot, thinking, nats) : undefined;

    const report = renderReport({
      targets,
      capacity,
      latency,
      streaming,
      memory,
      rssRounds,
      stores,
      profile,
      counts,
      nats: nats !== undefined,
      variants: variants ? FEATURES_ALONE : [],
    });
    writeFileSync(join(root, 'bench/results.md'), report);
    console.log(`\n${report}`);
  } finally {
    await stopAll();
  }
}

/**
 * Every concurrency, `rounds` times; rounds interleave the targets so drift on a shared machine hits
 * them all alike, and each run starts once every server is idle again.
 */
async function runPhase(
  phase: Phase,
  targets: PhasedTarget[],
  servers: number[],
  afterRun?: (t: PhasedTarget, c: number) => void,
): Promise<Results> {
  const results: Results = new Map();
  const width = Math.max(...targets.map((t) => t.name.length));
  for (const c of concurrencies) {
    for (let r = 0; r < rounds; r++) {
      for (const t of targets) {
        const target = t[phase];
        if (!target) continue;
        const cpuBefore = t.pid ? cpuMsOf(t.pid) : NaN;
        const load = await runLoad(target, c, durationS);
        const result = { ...load, cpuUs: t.pid ? ((cpuMsOf(t.pid) - cpuBefore) * 1000) / load.requests : NaN };
        const byC = results.get(t.name) ?? new Map<number, RunResult[]>();
        byC.set(c, [...(byC.get(c) ?? []), result]);
        results.set(t.name, byC);
        log(
          `${phase.padEnd(8)} ${t.name.padEnd(width)} c=${String(c).padEnd(3)} round ${r + 1}: ${result.rps.toFixed(0)} rps, p50 ${result.p50.toFixed(3)} ms, p99 ${result.p99.toFixed(3)} ms${t.pid ? `, ${result.cpuUs.toFixed(0)} µs CPU/request` : ''}${result.errors + result.non2xx ? `, ${result.errors} errors, ${result.non2xx} non-2xx` : ''}`,
        );
        afterRun?.(t, c);
        const waited = await settle(servers);
        if (waited > 1000) log(`  servers busy for ${(waited / 1000).toFixed(1)} s after ${t.name}'s run (its backlog); next run waited`);
      }
    }
  }
  return results;
}

async function startPortkey(): Promise<ServerProcess | undefined> {
  let script: string;
  try {
    script = require.resolve('@portkey-ai/gateway/build/start-server.js', { paths: [root] });
  } catch {
    log('portkey: @portkey-ai/gateway is not installed; skipped');
    return undefined;
  }
  const port = await freePort();
  return startNode('portkey', [script, `--port=${port}`, '--headless'], {
    env: { NODE_ENV: 'production' },
    port,
    readyPath: '/',
    timeoutMs: 60_000,
  });
}

interface Profile {
  file: string;
  top: Array<{ name: string; selfPct: number }>;
}

async function profileSwitchboard(upstreamRoot: string, thinking: string, nats: BenchNats | undefined): Promise<Profile | undefined> {
  const dir = join(root, 'bench/profiles');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `switchboard-c32-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);
  const sb = await startSwitchboard(upstreamRoot, thinking, PRODUCTION, nats, {
    nodeArgs: ['-r', join(dist, 'bench/cpu-profile-hook.js')],
    env: { BENCH_PROFILE_FILE: file },
    ipc: true,
  });
  const target: Target = {
    name: 'switchboard',
    url: `http://127.0.0.1:${sb.port}/v1/chat/completions`,
    headers: BENCH_CLIENT_HEADERS,
    model: 'bench',
  };
  try {
    await runLoad(target, 32, Math.min(2, durationS)); // warm-up, left out of the profile
    await ask(sb, 'profile:start', 'profile:started');
    await runLoad(target, 32, durationS);
    await ask(sb, 'profile:stop', 'profile:written');
  } finally {
    await sb.stop();
  }
  return { file: relative(root, file), top: summarizeProfile(JSON.parse(readFileSync(file, 'utf8'))) };
}

/** Warm-up and counted requests per target under callgrind: V8 settles in requests, not seconds. */
const COUNT_OPTIONS = {
  warm: Number(process.env.BENCH_COUNT_WARM ?? 60_000),
  counted: Number(process.env.BENCH_COUNT_REQUESTS ?? 5_000),
  connections: 32,
};

function formatCount(x: InstructionCount): string {
  const k = (n: number) => `${(n / 1000).toFixed(1)}k`;
  return `total ${k(x.total)}, compiler ${k(x.compiler)}, GC ${k(x.gc)}, idle ${k(x.idle)}, request path ${k(x.path)}`;
}

/**
 * Instructions per request of the buffered proxy (the floor Switchboard is built from), the raw
 * proxy and Switchboard, one after another, each under callgrind on its own.
 */
async function countPerRequest(
  upstreamRoot: string,
  thinking: string,
  nats: BenchNats | undefined,
): Promise<InstructionCount[] | undefined> {
  if (!hasCallgrind()) {
    log('instructions: valgrind is not installed; skipped');
    return undefined;
  }
  const dir = countDir();
  const key = { authorization: 'Bearer sk-bench' };
  const proxy = (name: string, script: string, args: string[]) => ({
    name,
    headers: key,
    start: () =>
      startNode(name, [join(dist, script), ...args, `--upstream=${upstreamRoot}`], {
        prefix: callgrindPrefix(dir, name),
        timeoutMs: 300_000,
      }),
  });
  const subjects: Array<{ name: string; headers: Record<string, string>; model?: string; start: () => Promise<ServerProcess> }> = [
    proxy('buffered proxy', 'bench/floor-proxies.js', ['--kind=buffered']),
    proxy('raw proxy', 'bench/raw-proxy.js', []),
    // The production configuration, and each issue's alone (named in BENCH_COUNT_TARGETS to count it).
    ...[PRODUCTION, ...FEATURES_ALONE].map((config) => ({
      name: config.name,
      headers: BENCH_CLIENT_HEADERS,
      model: 'bench',
      start: () =>
        startSwitchboard(upstreamRoot, thinking, config, nats, { prefix: callgrindPrefix(dir, config.name), timeoutMs: 300_000 }),
    })),
  ].filter((subject) => countTargets.includes(subject.name));
  const counts: InstructionCount[] = [];
  try {
    for (const subject of subjects) {
      log(`instructions: ${subject.name} under callgrind, ${COUNT_OPTIONS.warm} requests to warm, ${COUNT_OPTIONS.counted} counted`);
      const server = await subject.start();
      try {
        const { name, headers, model } = subject;
        const target: Target = { name, url: `http://127.0.0.1:${server.port}/v1/chat/completions`, headers, model };
        const count = await countInstructions(server, dir, target, COUNT_OPTIONS);
        counts.push(count);
        log(`instructions: ${subject.name} ${Math.round(count.total)} per request, request path ${Math.round(count.path)}`);
      } finally {
        await server.stop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return counts;
}

/** Sends `message` over the child's IPC channel and waits (at most 10 s) for `answer`. */
function ask(server: ServerProcess, message: string, answer: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${server.name} did not answer ${message}`)), 10_000);
    server.child.on('message', (m) => {
      if (m !== answer) return;
      clearTimeout(timer);
      resolve();
    });
    server.child.send(message);
  });
}

interface CpuProfile {
  nodes: Array<{
    id: number;
    hitCount?: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }>;
}

/** Self time by function, as a share of all samples (idle excluded). */
function summarizeProfile(profile: CpuProfile): Array<{ name: string; selfPct: number }> {
  const byName = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)' || hits === 0) continue;
    total += hits;
    const where = url ? `${url.replace(/^file:\/\//, '').replace(`${root}/`, '')}:${lineNumber + 1}` : '';
    const name = `${functionName || '(anonymous)'} ${where}`.trim();
    byName.set(name, (byName.get(name) ?? 0) + hits);
  }
  return [...byName.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)
    .map(([name, hits]) => ({ name, selfPct: (100 * hits) / total }));
}

interface ReportInput {
  targets: PhasedTarget[];
  capacity: Results;
  latency: Results;
  streaming: Map<string, StreamResult>;
  memory: Map<string, { rssMb: number; peakMb: number }>;
  rssRounds: number[];
  stores: Array<EventStoreResult | EventStoreSkipped>;
  profile?: Profile;
  counts?: InstructionCount[];
  /** Whether Switchboard published to NATS (a nats-server was there to start). */
  nats: boolean;
  /** The configurations with one feature alone the run was asked for (measured unless skipped). */
  variants: readonly SwitchboardConfiguration[];
}

function renderReport(r: ReportInput): string {
  const med = (results: Results, name: string, c: number, key: keyof RunResult) =>
    median((results.get(name)?.get(c) ?? []).map((x) => x[key]));
  const added = (results: Results, name: string, c: number, key: 'p50' | 'p99') =>
    med(results, name, c, key) - med(results, 'direct', c, key);
  const lines: string[] = [];
  lines.push('# Benchmark results', '');
  lines.push(
    `Date: ${new Date().toISOString()} · Machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}) · Node ${process.version}`,
  );
  lines.push(
    `Each figure is the median of ${rounds} rounds of ${durationS} s (${loadGenerator}, closed loop, rounds interleaved across targets). ` +
      `One local fake upstream: it answers at once (capacity), or after ${thinkMs} ms like a model (latency); streams send ${upstreamChunks} SSE chunks.`,
    '',
    `Switchboard ran as in production: ${describeConfiguration(PRODUCTION, r.nats)}.`,
    '',
  );
  if (r.variants.length > 0) {
    lines.push(
      "For the open issues' criteria, each in the configuration its issue names, Switchboard also ran with one feature alone " +
        '(capacity phase only, taking turns with the other targets; `BENCH_VARIANTS=0` leaves them out):',
      '',
      ...r.variants.map((v) => `- ${v.name} (issue ${v.criterion!.issue}): ${describeConfiguration(v, r.nats)}`),
      '',
    );
  }
  const table = (title: string, note: string, results: Results) => {
    lines.push(`## ${title}`, '', note, '');
    if (r.targets.some((t) => t.floor)) {
      lines.push(
        'Socket pipe and buffered proxy are floors (`BENCH_FLOORS=1`, `bench/floor-proxies.ts`): a byte pipe that parses no HTTP, ' +
          "and the least HTTP proxy on Node's server and undici's dispatch.",
        '',
      );
    }
    lines.push(
      '| target | c | req/s | p50 ms | p99 ms | added p50 ms | added p99 ms | CPU µs/request |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const c of concurrencies) {
      for (const t of r.targets.filter((x) => results.has(x.name))) {
        const extra = (k: 'p50' | 'p99') => (t.name === 'direct' ? '—' : added(results, t.name, c, k).toFixed(3));
        lines.push(
          `| ${t.name} | ${c} | ${med(results, t.name, c, 'rps').toFixed(0)} | ${med(results, t.name, c, 'p50').toFixed(3)} | ${med(results, t.name, c, 'p99').toFixed(3)} | ${extra('p50')} | ${extra('p99')} | ${t.pid ? med(results, t.name, c, 'cpuUs').toFixed(0) : '—'} |`,
        );
      }
    }
    lines.push('');
  };
  table(
    'Capacity (non-streaming chat, the upstream answers at once)',
    "Requests per second here are each proxy's own cost per request; at c ≥ 32 every proxy is saturated, so its latency is queueing.",
    r.capacity,
  );
  table(
    `Latency (non-streaming chat, the upstream thinks ${thinkMs} ms)`,
    'What each gateway adds to a model call with that many calls in flight.',
    r.latency,
  );

  lines.push(
    '## Streaming (sequential, c=1, the upstream answers at once)',
    '',
    `Median of ${streams} streams per target, the targets taking turns stream by stream.`,
    '',
  );
  lines.push(
    `| target | first chunk ms | last chunk ms | added first chunk ms | events read per request (upstream sends ${upstreamChunks + 2}) |`,
    '|---|---:|---:|---:|---:|',
  );
  const direct = r.streaming.get('direct')!;
  for (const t of r.targets.filter((x) => r.streaming.has(x.name))) {
    const s = r.streaming.get(t.name)!;
    lines.push(
      `| ${t.name} | ${s.ttfc.toFixed(3)} | ${s.ttlc.toFixed(3)} | ${t.name === 'direct' ? '—' : (s.ttfc - direct.ttfc).toFixed(3)} | ${s.reads} |`,
    );
  }
  lines.push('', '## Memory', '');
  lines.push('| process | RSS at end MB | peak RSS MB |', '|---|---:|---:|');
  for (const [name, m] of r.memory) lines.push(`| ${name} | ${m.rssMb.toFixed(1)} | ${m.peakMb.toFixed(1)} |`);
  lines.push(
    '',
    `Switchboard RSS after each capacity round at c=${Math.max(...concurrencies)}: ${r.rssRounds.map((x) => x.toFixed(1)).join(' → ')} MB`,
  );
  lines.push('', '## Event stores', '');
  lines.push('| store | durable appends /s (one event, expected revision, committed) | projection rebuild |', '|---|---:|---|');
  for (const s of r.stores) {
    if ('skipped' in s) lines.push(`| ${s.store} | — | skipped: ${s.skipped} |`);
    else
      lines.push(
        `| ${s.store} | ${s.appendsPerSecond.toFixed(0)} | ${s.rebuildMs.toFixed(0)} ms for ${s.rebuildEvents.toLocaleString('en')} events |`,
      );
  }
  const sqlite = r.stores.find((s): s is EventStoreResult => s.store === 'SQLite' && !('skipped' in s))!;

  const c32 = concurrencies.includes(32) ? 32 : concurrencies[0];
  const c1 = concurrencies.includes(1) ? 1 : concurrencies[0];
  const sbRps = med(r.capacity, 'switchboard', c32, 'rps');
  const rawRps = med(r.capacity, 'raw proxy', c32, 'rps');
  const ttfcAdded = r.streaming.get('switchboard')!.ttfc - direct.ttfc;
  const checks: Array<[string, boolean, string]> = [
    [`RPS at c=${c32} ≥ 0.75 × raw proxy (capacity)`, sbRps >= 0.75 * rawRps, `${(sbRps / rawRps).toFixed(2)} ×`],
    [
      `added p50 at c=${c1} ≤ 0.5 ms (capacity)`,
      added(r.capacity, 'switchboard', c1, 'p50') <= 0.5,
      `${added(r.capacity, 'switchboard', c1, 'p50').toFixed(3)} ms (thinking upstream: ${added(r.latency, 'switchboard', c1, 'p50').toFixed(3)} ms; raw proxy there: ${added(r.latency, 'raw proxy', c1, 'p50').toFixed(3)} ms)`,
    ],
    [
      `added p99 at c=${c32} ≤ 3 ms (latency)`,
      added(r.latency, 'switchboard', c32, 'p99') <= 3,
      `${added(r.latency, 'switchboard', c32, 'p99').toFixed(3)} ms at ${med(r.latency, 'switchboard', c32, 'cpuUs').toFixed(0)} µs CPU/request (raw proxy: ${added(r.latency, 'raw proxy', c32, 'p99').toFixed(3)} ms at ${med(r.latency, 'raw proxy', c32, 'cpuUs').toFixed(0)} µs; saturated, capacity: ${added(r.capacity, 'switchboard', c32, 'p99').toFixed(3)} ms)`,
    ],
    [
      `added time to first chunk ≤ 1 ms`,
      ttfcAdded <= 1,
      `${ttfcAdded.toFixed(3)} ms (raw proxy: ${(r.streaming.get('raw proxy')!.ttfc - direct.ttfc).toFixed(3)} ms)`,
    ],
    [
      `every chunk forwarded as it arrives`,
      r.streaming.get('switchboard')!.reads >= direct.reads,
      `${r.streaming.get('switchboard')!.reads} of ${direct.reads} events read apart`,
    ],
    [`peak RSS ≤ 200 MB`, (r.memory.get('switchboard')?.peakMb ?? Infinity) <= 200, `${r.memory.get('switchboard')?.peakMb.toFixed(1)} MB`],
    [
      `no RSS growth across rounds (≤ 10 %)`,
      r.rssRounds.length < 2 || r.rssRounds[r.rssRounds.length - 1] <= r.rssRounds[0] * 1.1,
      r.rssRounds.map((x) => x.toFixed(0)).join(' → ') + ' MB',
    ],
    [`projection rebuild of 100k events ≤ 5 s (SQLite)`, sqlite.rebuildMs <= 5000, `${sqlite.rebuildMs.toFixed(0)} ms`],
  ];
  if (r.capacity.has('portkey')) {
    const ratio = sbRps / med(r.capacity, 'portkey', c32, 'rps');
    checks.unshift([`RPS at c=${c32} ≥ 5 × Portkey (capacity)`, ratio >= 5, `${ratio.toFixed(2)} ×`]);
  }
  const criteria: Array<[string, boolean | undefined, string]> = r.variants.map((v) => {
    const { issue, addedP50 } = v.criterion!;
    const name =
      `issue ${issue} criterion, ${v.name}: RPS at c=${c32} ≥ 0.75 × raw proxy` + (addedP50 ? `, added p50 at c=${c1} ≤ 0.5 ms` : '');
    if (!r.capacity.has(v.name)) return [name, undefined, 'not measured: nats-server is not installed'];
    const ratio = med(r.capacity, v.name, c32, 'rps') / rawRps;
    const p50 = added(r.capacity, v.name, c1, 'p50');
    return [
      name,
      ratio >= 0.75 && (!addedP50 || p50 <= 0.5),
      `${ratio.toFixed(2)} ×` +
        (addedP50 ? `, ${p50.toFixed(3)} ms` : '') +
        ` (${med(r.capacity, v.name, c32, 'cpuUs').toFixed(0)} µs CPU/request)`,
    ];
  });
  if (r.counts) {
    const { warm, counted, connections } = COUNT_OPTIONS;
    lines.push(
      '',
      `## Instructions per request (callgrind, c=${connections}, the upstream answers at once)`,
      '',
      `User space, every thread of the process; ${counted.toLocaleString('en')} requests counted after ${warm.toLocaleString('en')} to warm. ` +
        'Between runs they move by a few per cent (what V8 still compiles in the window), where CPU time moves by 15 % and more. The request path is the total ' +
        "less what V8's optimizing compiler and the garbage collector did in the window, and less what the process does idle (its timers) " +
        'in as long as the window lasted.',
      '',
      '| target | total | compiler | GC | idle | request path | request path × buffered proxy |',
      '|---|---:|---:|---:|---:|---:|---:|',
    );
    const floor = r.counts.find((x) => x.name === 'buffered proxy')?.path ?? NaN;
    const k = (n: number) => `${(n / 1000).toFixed(1)}k`;
    for (const x of r.counts) {
      lines.push(
        `| ${x.name} | ${k(x.total)} | ${k(x.compiler)} | ${k(x.gc)} | ${k(x.idle)} | ${k(x.path)} | ${(x.path / floor).toFixed(2)} |`,
      );
    }
  }
  lines.push('', '## Targets', '');
  if (criteria.length > 0) {
    lines.push("Rows without an issue number are Switchboard's production configuration; each issue's row, its configuration alone.", '');
  }
  lines.push('| target | met | measured |', '|---|---|---|');
  for (const [name, ok, value] of [...checks, ...criteria])
    lines.push(`| ${name} | ${ok === undefined ? '—' : ok ? 'yes' : '**no**'} | ${value} |`);
  const findings = join(root, 'bench/findings.md');
  if (existsSync(findings)) lines.push('', readFileSync(findings, 'utf8').trim());
  if (r.profile) {
    lines.push('', `## Where Switchboard's time goes (capacity, c=${c32}, self time under load, \`${r.profile.file}\`)`, '');
    lines.push('| function | self % |', '|---|---:|');
    for (const f of r.profile.top) lines.push(`| \`${f.name}\` | ${f.selfPct.toFixed(1)} |`);
  }
  return `${lines.join('\n')}\n`;
}

function log(message: string): void {
  console.error(`[bench] ${message}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
