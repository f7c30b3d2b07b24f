import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Pool } from 'undici';
import { chatBody, type Target } from './load';
import { isInstalled, type ServerProcess } from './processes';

const run = promisify(execFile);

/**
 * Instructions a proxy's own process executes per request (user space, every thread), counted by
 * valgrind's callgrind. CPU time per request on a shared 2-vCPU VM moves by 15 % and more from one
 * round to the next, and by far more from one day to another. This count moved by 0.2 % between
 * two runs at c=8, and Switchboard's request path by 3 % over three runs at c=32, with what V8
 * still compiles in the window: a change worth 5 % can be read off it. A window that a major
 * collection and a burst of compiling fall into reads some 10 % higher and shows it in those two
 * columns; so does a count taken beside another server under valgrind. It leaves out the kernel
 * (the loopback writes), which is the same for every proxy.
 *
 * Under valgrind a server is some 50 times slower, so V8 takes as many requests, not seconds, to
 * settle: every target gets `warm` requests first, on the same connections the counted ones use
 * (new sockets would deoptimize Node's stream code and count its recompilation). What the
 * optimizing compiler and the garbage collector still do in the counted window is shown apart.
 *
 * Timers keep their period under valgrind (Switchboard's keeper tick, the event store's poll, NATS
 * pings): the slower a loaded machine runs the counted window, the more of that work falls into it,
 * which moved Switchboard's request path by 5–15k between runs. So an idle window follows the
 * counted one, and its rate times the counted window's length is shown apart too.
 */
export interface InstructionCount {
  name: string;
  /** Everything, per request. */
  total: number;
  /** V8's optimizing compiler, still at work (background threads too). */
  compiler: number;
  /** Garbage collection: a major collection landing in the window or not is most of the spread. */
  gc: number;
  /** What the process does idle (timers) over as long as the counted window lasted. */
  idle: number;
  /** The rest: the request path itself. */
  path: number;
}

export function hasCallgrind(): boolean {
  return isInstalled('valgrind') && isInstalled('callgrind_annotate');
}

/** The command prefix that starts a server under callgrind, counting nothing until told to. */
export function callgrindPrefix(dir: string, name: string): string[] {
  return ['valgrind', '--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${outputFile(dir, name, '%p')}`];
}

/** Where callgrind writes for `name`'s process `pid` (`%p` in the prefix); a dump adds `.1`. */
function outputFile(dir: string, name: string, pid: string): string {
  return join(dir, `${name.replace(/\W/g, '-')}.${pid}`);
}

export function countDir(): string {
  return mkdtempSync(join(tmpdir(), 'sb-callgrind-'));
}

/**
 * Warms `server` (started with `callgrindPrefix` under `target.name`) with `warm` requests, counts the next `counted`
 * at `connections` in flight, and reads the count from callgrind's dump.
 */
export async function countInstructions(
  server: ServerProcess,
  dir: string,
  target: Target,
  opts: { warm: number; counted: number; connections: number; idleS?: number },
): Promise<InstructionCount> {
  const pid = String(server.child.pid);
  const url = new URL(target.url);
  const pool = new Pool(url.origin, { connections: opts.connections, keepAliveTimeout: 600_000 });
  const body = chatBody(false, target.model);
  const headers = { 'content-type': 'application/json', ...target.headers };
  const send = async (count: number) => {
    let left = count;
    const worker = async () => {
      while (left-- > 0) {
        const res = await pool.request({ method: 'POST', path: url.pathname, headers, body });
        await res.body.arrayBuffer();
        if (res.statusCode !== 200) throw new Error(`${target.name} answered ${res.statusCode} under callgrind`);
      }
    };
    await Promise.all(Array.from({ length: opts.connections }, worker));
  };
  const idleS = opts.idleS ?? 10;
  let countedMs: number;
  try {
    await send(opts.warm);
    await run('callgrind_control', ['--instr=on', pid]);
    const started = performance.now();
    await send(opts.counted);
    countedMs = performance.now() - started;
    await run('callgrind_control', ['--dump', pid]);
    // A dump starts the count again: the second one holds the idle window alone.
    await new Promise((resolve) => setTimeout(resolve, idleS * 1000));
    await run('callgrind_control', ['--dump', pid]);
    await run('callgrind_control', ['--instr=off', pid]);
  } finally {
    await pool.close();
  }
  const counted = await classify(`${outputFile(dir, target.name, pid)}.1`, opts.counted);
  const idle = (summaryOf(`${outputFile(dir, target.name, pid)}.2`) * countedMs) / (idleS * 1000) / opts.counted;
  return { name: target.name, ...counted, idle, path: counted.path - idle };
}

/** Splits callgrind's per-function counts into compiler, GC and the rest, per request. */
async function classify(file: string, requests: number): Promise<Omit<InstructionCount, 'name' | 'idle'>> {
  const total = summaryOf(file);
  const { stdout } = await run('callgrind_annotate', ['--inclusive=no', '--threshold=100', file], { maxBuffer: 256 * 1024 * 1024 });
  let compiler = 0;
  let gc = 0;
  for (const line of stdout.split('\n')) {
    const m = /^\s*([\d,]+) \([\s\d.]+%\)\s+(.*)$/.exec(line);
    if (!m || m[2].includes('PROGRAM TOTALS')) continue;
    const count = Number(m[1].replaceAll(',', ''));
    if (COMPILER.test(m[2])) compiler += count;
    else if (GC.test(m[2])) gc += count;
  }
  return { total: total / requests, compiler: compiler / requests, gc: gc / requests, path: (total - compiler - gc) / requests };
}

function summaryOf(file: string): number {
  const summary = /^summary:\s+(\d+)/m.exec(readFileSync(file, 'utf8'));
  if (!summary) throw new Error(`no summary in ${file}`);
  return Number(summary[1]);
}

const COMPILER = /v8::internal::(compiler|maglev|baseline)::|v8::internal::Zone|CompilationJob|v8::internal::Pipeline/;
const GC =
  /Scaveng|MarkCompact|Marking(Visitor|State|Worklist)|ConcurrentMarking|IncrementalMarking|Sweeper|Evacuat|RememberedSet|SlotSet|GCTracer|PretenuringHandler/;
