import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** A server the benchmark started in its own process, so its CPU and memory are its own. */
export interface ServerProcess {
  name: string;
  child: ChildProcess;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts `node <args>` and resolves once it is listening: either it prints `READY <port>`, or
 * `readyPath` answers 2xx on `port` (for servers we do not control, e.g. Portkey).
 */
export async function startNode(
  name: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; port?: number; readyPath?: string; timeoutMs?: number; ipc?: boolean; prefix?: string[] } = {},
): Promise<ServerProcess> {
  // `prefix` runs node under another program (valgrind), which keeps node's pid.
  const [command, ...rest] = [...(opts.prefix ?? []), process.execPath, ...args];
  const child = spawn(command, rest, {
    env: { ...process.env, ...opts.env },
    stdio: opts.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  // The gateway writes a JSON line per request: only the tail is kept, for error messages (the
  // whole run's lines would grow this process by tens of megabytes while it measures).
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-16_384);
  };
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} did not start within ${opts.timeoutMs ?? 30_000} ms:\n${output.slice(-2000)}`)),
      opts.timeoutMs ?? 30_000,
    );
    const onData = (d: Buffer) => {
      keep(d);
      const m = /READY (\d+)/.exec(output);
      if (m) {
        child.stdout!.off('data', onData).on('data', keep);
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', keep);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}:\n${output.slice(-2000)}`));
    });
    if (opts.readyPath && opts.port) {
      const poll = async () => {
        try {
          const res = await fetch(`http://127.0.0.1:${opts.port}${opts.readyPath}`);
          if (res.ok) {
            clearTimeout(timer);
            return resolve(opts.port!);
          }
        } catch {
          // not listening yet
        }
        if (child.exitCode === null) setTimeout(poll, 100);
      };
      void poll();
    }
  });
  // Keep draining output so a chatty server never blocks on a full pipe.
  child.stdout!.resume();
  child.stderr!.resume();
  return {
    name,
    child,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGINT');
      }),
  };
}

/** Resident memory of a process now and at its peak (Linux /proc), in MB. */
export function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

/** CPU time a process has used so far (Linux /proc: user + system, in clock ticks of 10 ms), in ms. */
export function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * Waits until none of `pids` is still working (at most one clock tick of CPU in 300 ms), for at
 * most `maxMs`; returns how long that took. A server that queued more requests than it could
 * answer keeps working them off after the load generator has gone, taking the CPU the next
 * measurement needs.
 */
export async function settle(pids: number[], maxMs = 15_000): Promise<number> {
  const started = Date.now();
  let before = pids.map(cpuMsOf);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const now = pids.map(cpuMsOf);
    const busy = now.some((ms, i) => ms - before[i] > 10);
    before = now;
    if (!busy || Date.now() - started >= maxMs) return Date.now() - started;
  }
}

/** A free TCP port on loopback (for servers that must be told their port). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Whether `command` is on the PATH. It is run with `--version`, and wrk and callgrind_annotate
 * print theirs and exit non-zero, so only a missing binary (ENOENT) says no.
 */
export function isInstalled(command: string): boolean {
  try {
    execFileSync(command, ['--version'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}
