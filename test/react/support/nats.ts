import { spawnSync } from 'node:child_process';
import { describeWithService } from '../../support/describe-with-service';

export const NATS_URL = process.env.NATS_URL || 'nats://127.0.0.1:4222';

/** Whether a NATS server answers at NATS_URL (checked synchronously, as `describe` must decide at once). */
function natsReachable(): boolean {
  const { hostname, port } = new URL(NATS_URL);
  const probe = `const s=require('net').connect(${Number(port) || 4222},${JSON.stringify(hostname)});s.once('data',d=>process.exit(String(d).startsWith('INFO')?0:1));s.once('error',()=>process.exit(1));setTimeout(()=>process.exit(1),3000)`;
  return spawnSync(process.execPath, ['-e', probe], { timeout: 5000 }).status === 0;
}

const reachable = natsReachable();

/** `describe` for suites that need the real NATS server (skipped when absent, failing under CI=true). */
export function describeWithNats(name: string, body: () => void): void {
  describeWithService('NATS', NATS_URL, reachable, name, body);
}

/** A subject prefix of its own, so parallel suites on one NATS server never answer each other. */
export const uniquePrefix = (): string => `test.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tools`;
