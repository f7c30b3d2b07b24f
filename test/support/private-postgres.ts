import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './private-nats';

const ROOT = '/usr/lib/postgresql';

/** The newest installed PostgreSQL's bin directory (initdb, pg_ctl), if any. */
export const POSTGRES_BIN = (() => {
  if (!existsSync(ROOT)) return undefined;
  const versions = readdirSync(ROOT)
    .filter((v) => existsSync(join(ROOT, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(ROOT, versions[0], 'bin') : undefined;
})();

/** PostgreSQL refuses to run as root: as root, the server runs as the `postgres` system user. */
const RUN_AS = userInfo().uid === 0 ? 'postgres' : undefined;

export interface PrivatePostgres {
  url: string;
  start(): void;
  stop(): void;
  /** Stops it (if running) and deletes its directory. */
  destroy(): void;
}

/**
 * A PostgreSQL of this test's own (initdb in a temp dir, a free port, trust auth), to stop and
 * start at will: the shared server must never be stopped.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  if (!POSTGRES_BIN) throw new Error(`no PostgreSQL under ${ROOT}`);
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-pg-'));
  if (RUN_AS) {
    const [uid, gid] = ['-u', '-g'].map((flag) => Number(execFileSync('id', [flag, RUN_AS], { encoding: 'utf8' }).trim()));
    chownSync(dir, uid, gid);
  }
  const port = await freePort();
  const data = join(dir, 'data');
  const run = (tool: string, args: string[]) => {
    const [command, argv] = RUN_AS
      ? ['runuser', ['-u', RUN_AS, '--', join(POSTGRES_BIN!, tool), ...args]]
      : [join(POSTGRES_BIN!, tool), args];
    execFileSync(command, argv, { stdio: 'pipe', timeout: 60_000 });
  };
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  let running = false;
  const pg: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start() {
      run('pg_ctl', [
        '-D',
        data,
        '-l',
        join(dir, 'server.log'),
        '-w',
        '-o',
        `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
        'start',
      ]);
      running = true;
    },
    stop() {
      run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      running = false;
    },
    destroy() {
      if (running) pg.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  pg.start();
  return pg;
}
