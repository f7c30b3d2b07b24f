import { spawnSync } from 'node:child_process';
import { describeWithService } from './describe-with-service';

export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

/** Whether a Redis server answers PING at REDIS_URL (checked synchronously, as `describe` must decide at once). */
function redisReachable(): boolean {
  const { hostname, port } = new URL(REDIS_URL);
  const probe = `const s=require('net').connect(${Number(port) || 6379},${JSON.stringify(hostname)});s.once('connect',()=>s.write('PING\\r\\n'));s.once('data',d=>process.exit(String(d).startsWith('+PONG')?0:1));s.once('error',()=>process.exit(1));setTimeout(()=>process.exit(1),3000)`;
  return spawnSync(process.execPath, ['-e', probe], { timeout: 5000 }).status === 0;
}

const reachable = redisReachable();

/**
 * `describe` for suites that need the real Redis: skipped, with why in the suite's name, when it
 * is unreachable, except in CI (`CI=true`), where it must be there and the suite fails.
 */
export function describeWithRedis(name: string, body: () => void): void {
  describeWithService('Redis', REDIS_URL, reachable, name, body);
}

/** A key prefix of its own, so suites sharing one Redis never count each other's requests. */
export const uniqueRedisPrefix = (): string => `test:${process.pid}:${Math.random().toString(36).slice(2, 10)}:`;
