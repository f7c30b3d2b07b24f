import { spawnSync } from 'node:child_process';

export const NATS_URL = process.env.NATS_URL || 'nats://127.0.0.1:4222';

/** Whether a NATS server answers at NATS_URL (checked synchronously, as `describe` must decide at once). */
function natsReachable(): boolean {
  const { hostname, port } = new URL(NATS_URL);
  const probe = `const s=require('net').connect(${Number(port) || 4222},${JSON.stringify(hostname)});s.once('data',d=>process.exit(String(d).startsWith('INFO')?0:1));s.once('error',()=>process.exit(1));setTimeout(()=>process.exit(1),3000)`;
  return spawnSync(process.execPath, ['-e', probe], { timeout: 5000 }).status === 0;
}

const reachable = natsReachable();

/**
 * `describe` for suites that need the real NATS server. When it is unreachable the suite is
 * skipped with the reason in its name, except in CI (`CI=true`), where NATS must be there and
 * the suite fails.
 */
export function describeWithNats(name: string, body: () => void): void {
  if (reachable) return describe(name, body);
  if (process.env.CI === 'true') {
    return describe(name, () => {
      it('needs NATS', () => {
        throw new Error(`NATS is unreachable at ${NATS_URL} (CI=true: NATS suites must run)`);
      });
    });
  }
  describe.skip(`${name} (skipped: NATS unreachable at ${NATS_URL})`, body);
}

/** A subject prefix of its own, so parallel suites on one NATS server never answer each other. */
export const uniquePrefix = (): string => `test.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tools`;
