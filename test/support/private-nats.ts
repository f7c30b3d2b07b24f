import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PrivateNats {
  url: string;
  /** Stops this server (and only this one) and removes its store. */
  stop(): Promise<void>;
  /** Stops the server but keeps its store (JetStream's streams survive), for `resume`. */
  pause(): Promise<void>;
  /** Starts it again on the same port with the same store; with `auth`, asking for those credentials instead (a rotation). */
  resume(opts?: { auth?: NatsServerAuth }): Promise<void>;
}

/**
 * A NATS server of the test's own (JetStream, a temp store dir, a free port, `auth` when given), for outage and auth tests: the
 * shared one on 4222 is never stopped. Needs `nats-server` on PATH (the machine's, as the shared one).
 */
export async function startPrivateNats(opts: { port?: number; auth?: NatsServerAuth } = {}): Promise<PrivateNats> {
  const port = opts.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-nats-'));
  const args = (auth: NatsServerAuth | undefined) => ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', String(port), ...authArgs(auth)];
  let running: { child: ChildProcess; exited: Promise<void> } | undefined = await spawnServer(port, args(opts.auth)).catch(
    (err: unknown) => {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    },
  );
  const pause = async () => {
    if (!running) return;
    const { child, exited } = running;
    running = undefined;
    child.kill('SIGTERM');
    await exited;
  };
  let stopped: Promise<void> | undefined;
  return {
    url: `nats://127.0.0.1:${port}`,
    pause,
    resume: async (again = {}) => {
      running ??= await spawnServer(port, args('auth' in again ? again.auth : opts.auth));
    },
    stop: () =>
      (stopped ??= (async () => {
        await pause();
        rmSync(dir, { recursive: true, force: true });
      })()),
  };
}

/** What the server asks of clients: a user and password, or a token (none by default). */
export type NatsServerAuth = { user: string; pass: string } | { token: string };

function authArgs(auth: NatsServerAuth | undefined): string[] {
  if (!auth) return [];
  return 'token' in auth ? ['--auth', auth.token] : ['--user', auth.user, '--pass', auth.pass];
}

async function spawnServer(port: number, args: string[]): Promise<{ child: ChildProcess; exited: Promise<void> }> {
  const child: ChildProcess = spawn('nats-server', args, { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  while (!(await answers(port))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`private nats-server on port ${port} did not start`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, exited };
}

/** A port nothing listens on right now (the OS's pick), for a server the test starts or leaves unstarted. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('data', (data) => {
      socket.destroy();
      resolve(String(data).startsWith('INFO'));
    });
    socket.once('error', () => resolve(false));
  });
}
