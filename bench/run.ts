import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { benchEventStore, type EventStoreResult } from './event-store.bench';
import { median, runLoad, runStreams, type LoadResult, type StreamResult, type Target } from './load';
import { freePort, memoryOf, startNode, type ServerProcess } from './processes';

/**
 * `npm run bench`: one run, one machine, one fake upstream; direct (the floor), a raw undici proxy
 * (what Node can do), Switchboard on its defaults, and Portkey's open-source gateway, side by side.
 * Knobs: BENCH_DURATION_S (per measurement), BENCH_ROUNDS (median of), BENCH_DELAY_MS (upstream),
 * BENCH_STREAMS (sequential streaming requests), BENCH_CONCURRENCY (e.g. "1,32,256").
 */
const root = resolve(__dirname, '../..');
const dist = resolve(__dirname, '..');
const durationS = Number(process.env.BENCH_DURATION_S ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const delayMs = Number(process.env.BENCH_DELAY_MS ?? 0);
const streams = Number(process.env.BENCH_STREAMS ?? 30);
const concurrencies = (process.env.BENCH_CONCURRENCY ?? '1,32,256').split(',').map(Number);
const upstreamChunks = 20;

async function main(): Promise<void> {
  const started: ServerProcess[] = [];
  const stopAll = () => Promise.all(started.map((s) => s.stop()));
  process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));
  try {
    log(`machine: ${cpus().length} cores; duration ${durationS}s x ${rounds} rounds; upstream delay ${delayMs} ms`);
    const upstream = await startNode('upstream', [join(dist, 'bench/upstream.js'), `--delay-ms=${delayMs}`, `--chunks=${upstreamChunks}`]);
    started.push(upstream);
    const upstreamV1 = `http://127.0.0.1:${upstream.port}/v1`;

    const raw = await startNode('raw proxy', [join(dist, 'bench/raw-proxy.js'), `--upstream=http://127.0.0.1:${upstream.port}`]);
    started.push(raw);
    const switchboard = await startSwitchboard(upstreamV1, []);
    started.push(switchboard);
    const portkey = await startPortkey();
    if (portkey) started.push(portkey);

    const targets: Target[] = [
      {
        name: 'direct',
        url: `${upstreamV1}/chat/completions`,
        headers: { authorization: 'Bearer sk-bench' },
      },
      {
        name: 'raw proxy',
        url: `http://127.0.0.1:${raw.port}/v1/chat/completions`,
        headers: { authorization: 'Bearer sk-bench' },
        pid: raw.child.pid,
      },
      {
        name: 'switchboard',
        url: `http://127.0.0.1:${switchboard.port}/v1/chat/completions`,
        headers: {},
        pid: switchboard.child.pid,
      },
    ];
    if (portkey) {
      targets.push({
        name: 'portkey',
        url: `http://127.0.0.1:${portkey.port}/v1/chat/completions`,
        headers: {
          authorization: 'Bearer sk-bench',
          'x-portkey-provider': 'openai',
          'x-portkey-custom-host': upstreamV1,
        },
        pid: portkey.child.pid,
      });
    }

    for (const t of targets) await runLoad(t, 32, Math.min(2, durationS)); // warm-up: JIT, pools

    // Rounds interleave the targets so drift on a shared machine hits them all alike.
    const load = new Map<string, Map<number, LoadResult[]>>();
    const rssRounds: number[] = [];
    for (const c of concurrencies) {
      for (let r = 0; r < rounds; r++) {
        for (const t of targets) {
          const result = await runLoad(t, c, durationS);
          const byC = load.get(t.name) ?? new Map<number, LoadResult[]>();
          byC.set(c, [...(byC.get(c) ?? []), result]);
          load.set(t.name, byC);
          log(
            `${t.name.padEnd(12)} c=${String(c).padEnd(3)} round ${r + 1}: ${result.rps.toFixed(0)} rps, p50 ${result.p50.toFixed(3)} ms, p99 ${result.p99.toFixed(3)} ms${result.errors + result.non2xx ? `, ${result.errors} errors, ${result.non2xx} non-2xx` : ''}`,
          );
          if (t.name === 'switchboard' && c === Math.max(...concurrencies)) rssRounds.push(memoryOf(t.pid!).rssMb);
        }
      }
    }

    const streaming = new Map<string, StreamResult>();
    for (const t of targets) {
      streaming.set(t.name, await runStreams(t, streams));
      log(
        `${t.name.padEnd(12)} streaming: first chunk ${streaming.get(t.name)!.ttfc.toFixed(3)} ms, last ${streaming.get(t.name)!.ttlc.toFixed(3)} ms`,
      );
    }

    const memory = new Map(targets.filter((t) => t.pid).map((t) => [t.name, memoryOf(t.pid!)]));
    await Promise.all(started.splice(1).map((s) => s.stop()));

    log('event store: appends and a 100,000-event projection rebuild');
    const store = await benchEventStore();

    log('profiling Switchboard under load (--cpu-prof)');
    const profile = await profileSwitchboard(upstreamV1);

    const report = renderReport({ targets, load, streaming, memory, rssRounds, store, profile });
    writeFileSync(join(root, 'bench/results.md'), report);
    console.log(`\n${report}`);
  } finally {
    await stopAll();
  }
}

async function startSwitchboard(upstreamV1: string, nodeArgs: string[]): Promise<ServerProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-'));
  const port = await freePort();
  // The defaults, pointed at the fake upstream: one profile, one key, one alias.
  writeFileSync(
    join(dir, 'gateway.yaml'),
    `providers:\n  upstream:\n    type: openai\n    base_url: ${upstreamV1}\n    keys: ["sk-bench-key-0001"]\nmodels:\n  bench:\n    chain:\n      - { provider: upstream, model: bench-model }\n`,
  );
  return startNode('switchboard', [...nodeArgs, join(dist, 'src/gateway/main.js')], {
    env: {
      SWITCHBOARD_CONFIG: join(dir, 'gateway.yaml'),
      EVENT_STORE_URL: `sqlite:${join(dir, 'events.db')}`,
      PORT: String(port),
      NODE_ENV: 'production',
    },
    port,
    readyPath: '/health/ready',
    timeoutMs: 60_000,
  });
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

async function profileSwitchboard(upstreamV1: string): Promise<Profile | undefined> {
  const dir = join(root, 'bench/profiles');
  mkdirSync(dir, { recursive: true });
  const before = new Set(readdirSync(dir));
  const sb = await startSwitchboard(upstreamV1, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  try {
    await runLoad({ name: 'switchboard', url: `http://127.0.0.1:${sb.port}/v1/chat/completions`, headers: {} }, 32, durationS);
  } finally {
    await sb.stop();
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile') && !before.has(f));
  if (!file) return undefined;
  return {
    file: relative(root, join(dir, file)),
    top: summarizeProfile(JSON.parse(readFileSync(join(dir, file), 'utf8'))),
  };
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
  targets: Target[];
  load: Map<string, Map<number, LoadResult[]>>;
  streaming: Map<string, StreamResult>;
  memory: Map<string, { rssMb: number; peakMb: number }>;
  rssRounds: number[];
  store: EventStoreResult;
  profile?: Profile;
}

function renderReport(r: ReportInput): string {
  const med = (name: string, c: number, key: keyof LoadResult) => median((r.load.get(name)?.get(c) ?? []).map((x) => x[key]));
  const lines: string[] = [];
  lines.push('# Benchmark results', '');
  lines.push(
    `Date: ${new Date().toISOString()} · Machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}) · Node ${process.version}`,
  );
  lines.push(
    `Each figure is the median of ${rounds} rounds of ${durationS} s (autocannon, closed loop). Upstream: local fake, ${delayMs} ms delay, ${upstreamChunks} SSE chunks.`,
    '',
  );
  lines.push('## Throughput and latency (non-streaming chat)', '');
  lines.push('| target | c | req/s | p50 ms | p99 ms | added p50 ms | added p99 ms |', '|---|---:|---:|---:|---:|---:|---:|');
  for (const c of concurrencies) {
    for (const t of r.targets) {
      const added = (k: 'p50' | 'p99') => (t.name === 'direct' ? '—' : (med(t.name, c, k) - med('direct', c, k)).toFixed(3));
      lines.push(
        `| ${t.name} | ${c} | ${med(t.name, c, 'rps').toFixed(0)} | ${med(t.name, c, 'p50').toFixed(3)} | ${med(t.name, c, 'p99').toFixed(3)} | ${added('p50')} | ${added('p99')} |`,
      );
    }
  }
  lines.push('', '## Streaming (sequential, c=1)', '');
  lines.push(
    '| target | first chunk ms | last chunk ms | added first chunk ms | events read per request (upstream sends ' +
      (upstreamChunks + 2) +
      ') |',
    '|---|---:|---:|---:|---:|',
  );
  const direct = r.streaming.get('direct')!;
  for (const t of r.targets) {
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
    `Switchboard RSS after each round at c=${Math.max(...concurrencies)}: ${r.rssRounds.map((x) => x.toFixed(1)).join(' → ')} MB`,
  );
  lines.push('', '## Event store (SQLite)', '');
  lines.push(`- durable appends (one event, expected revision, fsync): ${r.store.appendsPerSecond.toFixed(0)} /s`);
  lines.push(`- projection rebuild of ${r.store.rebuildEvents.toLocaleString('en')} events: ${r.store.rebuildMs.toFixed(0)} ms`);

  const c32 = concurrencies.includes(32) ? 32 : concurrencies[0];
  const sbRps = med('switchboard', c32, 'rps');
  const checks: Array<[string, boolean, string]> = [
    [
      `RPS at c=${c32} ≥ 0.7 × raw proxy`,
      sbRps >= 0.7 * med('raw proxy', c32, 'rps'),
      `${(sbRps / med('raw proxy', c32, 'rps')).toFixed(2)} ×`,
    ],
    [
      `added p50 at c=1 ≤ 0.5 ms`,
      med('switchboard', 1, 'p50') - med('direct', 1, 'p50') <= 0.5,
      `${(med('switchboard', 1, 'p50') - med('direct', 1, 'p50')).toFixed(3)} ms`,
    ],
    [
      `added p99 at c=${c32} ≤ 3 ms`,
      med('switchboard', c32, 'p99') - med('direct', c32, 'p99') <= 3,
      `${(med('switchboard', c32, 'p99') - med('direct', c32, 'p99')).toFixed(3)} ms`,
    ],
    [
      `added time to first chunk ≤ 1 ms`,
      r.streaming.get('switchboard')!.ttfc - direct.ttfc <= 1,
      `${(r.streaming.get('switchboard')!.ttfc - direct.ttfc).toFixed(3)} ms`,
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
    [`projection rebuild of 100k events ≤ 5 s`, r.store.rebuildMs <= 5000, `${r.store.rebuildMs.toFixed(0)} ms`],
  ];
  if (r.load.has('portkey')) {
    const ratio = sbRps / med('portkey', c32, 'rps');
    checks.unshift([`RPS at c=${c32} ≥ 5 × Portkey`, ratio >= 5, `${ratio.toFixed(2)} ×`]);
  }
  lines.push('', '## Targets', '', '| target | met | measured |', '|---|---|---|');
  for (const [name, ok, value] of checks) lines.push(`| ${name} | ${ok ? 'yes' : '**no**'} | ${value} |`);
  if (r.profile) {
    lines.push('', `## Where Switchboard's time goes (c=${c32}, self time, \`${r.profile.file}\`)`, '');
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
