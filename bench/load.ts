import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { request } from 'undici';
import { isInstalled } from './processes';

export interface Target {
  name: string;
  /** Full URL of the chat completions endpoint. */
  url: string;
  headers: Record<string, string>;
  /** The `model` the body names (an alias for Switchboard). */
  model?: string;
  pid?: number;
}

export interface LoadResult {
  rps: number;
  /** Requests answered in the run (for CPU per request). */
  requests: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

export const chatBody = (stream: boolean, model = 'bench') =>
  JSON.stringify({
    model,
    stream,
    messages: [
      { role: 'system', content: 'You are a benchmark.' },
      { role: 'user', content: 'Say something about foxes.' },
    ],
  });

/** The load generator: wrk where installed (a C program: it takes far less of the CPU the proxies share), else autocannon. */
export const loadGenerator: 'wrk' | 'autocannon' = process.env.BENCH_LOAD === 'autocannon' || !isInstalled('wrk') ? 'autocannon' : 'wrk';

/** Closed-loop load at `connections` in flight for `durationS`: req/s and latency percentiles, in ms. */
export function runLoad(target: Target, connections: number, durationS: number, body = chatBody(false, target.model)): Promise<LoadResult> {
  return loadGenerator === 'wrk' ? runWrk(target, connections, durationS, body) : runAutocannon(target, connections, durationS, body);
}

/**
 * wrk keeps every latency in microseconds (an HdrHistogram); its Lua hooks set the request and
 * print the figures as one JSON line when the run is done.
 */
async function runWrk(target: Target, connections: number, durationS: number, body: string): Promise<LoadResult> {
  const headers = { 'content-type': 'application/json', ...target.headers };
  const script = [
    'wrk.method = "POST"',
    `wrk.body = ${luaString(body)}`,
    ...Object.entries(headers).map(([name, value]) => `wrk.headers[${luaString(name)}] = ${luaString(value)}`),
    'function done(summary, latency, requests)',
    '  local e = summary.errors',
    '  io.write(string.format(\'WRK {"requests":%d,"us":%d,"p50":%d,"p99":%d,"errors":%d,"non2xx":%d}\\n\',',
    '    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), e.connect + e.read + e.write + e.timeout, e.status))',
    'end',
  ].join('\n');
  const file = join((scriptDir ??= mkdtempSync(join(tmpdir(), 'sb-wrk-'))), 'load.lua');
  writeFileSync(file, script);
  const out = await new Promise<string>((resolve, reject) =>
    execFile('wrk', ['-t1', `-c${connections}`, `-d${durationS}s`, '--timeout', '10s', '-s', file, target.url], (err, stdout, stderr) =>
      err ? reject(new Error(`wrk failed: ${stderr || err.message}`)) : resolve(stdout),
    ),
  );
  const line = /^WRK (.*)$/m.exec(out);
  if (!line) throw new Error(`wrk printed no figures:\n${out}`);
  const r = JSON.parse(line[1]) as { requests: number; us: number; p50: number; p99: number; errors: number; non2xx: number };
  return { rps: r.requests / (r.us / 1e6), requests: r.requests, p50: r.p50 / 1000, p99: r.p99 / 1000, errors: r.errors, non2xx: r.non2xx };
}

let scriptDir: string | undefined;

function luaString(value: string): string {
  return JSON.stringify(value); // a JSON string is a valid Lua string literal for the ASCII bodies and headers used here
}

/**
 * autocannon, where wrk is not installed. Latency percentiles come from each response's own
 * hrtime duration (autocannon's histogram keeps whole milliseconds, too coarse for the
 * sub-millisecond overhead this benchmark is about).
 */
async function runAutocannon(target: Target, connections: number, durationS: number, body: string): Promise<LoadResult> {
  const samples: number[] = [];
  let instance!: autocannon.Instance;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: target.url,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...target.headers },
        body,
        connections,
        pipelining: 1,
        duration: durationS,
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode >= 200 && statusCode < 300) samples.push(responseTime);
  });
  const result = await done;
  samples.sort((a, b) => a - b);
  return {
    rps: result.requests.total / durationS,
    requests: result.requests.total,
    p50: percentile(samples, 0.5),
    p99: percentile(samples, 0.99),
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

export interface StreamResult {
  /** Time to first chunk and to the last chunk, ms (medians). */
  ttfc: number;
  ttlc: number;
  /** Body reads that carried at least one SSE event, per request (median): equal to the upstream's chunk count when nothing is batched. */
  reads: number;
}

/**
 * Sequential streaming requests, what a user watching tokens arrive experiences: `count` per
 * target, one target after another in turn, so drift on a shared machine (the tail the load phases
 * leave behind) hits every target alike instead of whichever is measured first.
 */
export async function runStreams(targets: Target[], count: number): Promise<Map<string, StreamResult>> {
  const samples = new Map(targets.map((t) => [t.name, [] as StreamResult[]]));
  for (let i = 0; i < count; i++) {
    for (const target of targets) samples.get(target.name)!.push(await stream(target));
  }
  const medianOf = (runs: StreamResult[], field: keyof StreamResult) => median(runs.map((run) => run[field]));
  return new Map(
    [...samples].map(([name, runs]) => [
      name,
      { ttfc: medianOf(runs, 'ttfc'), ttlc: medianOf(runs, 'ttlc'), reads: medianOf(runs, 'reads') },
    ]),
  );
}

async function stream(target: Target): Promise<StreamResult> {
  const t0 = process.hrtime.bigint();
  const res = await request(target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    body: chatBody(true, target.model),
  });
  let ttfc = 0;
  let reads = 0;
  for await (const part of res.body) {
    if (!(part as Buffer).includes('data:')) continue;
    reads++;
    if (ttfc === 0) ttfc = Number(process.hrtime.bigint() - t0) / 1e6;
  }
  if (res.statusCode !== 200) throw new Error(`${target.name}: streaming answered ${res.statusCode}`);
  return { ttfc, ttlc: Number(process.hrtime.bigint() - t0) / 1e6, reads };
}

export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
