import { Redis } from 'ioredis';
import {
  PARALLEL_RETRY_MS,
  WINDOW_MS,
  tighter,
  type Admission,
  type LimitCounters,
  type LimitName,
  type LimitRule,
  type SpendRule,
  type Usage,
  type WindowState,
} from './limit-counters';

/*
 * Each script runs atomically in Redis, so two replicas admitting at once cannot both take the
 * last request of a window. Keys per rule: <prefix>req:<id> (requests in the window, expiring
 * with it), tok:<id> (tokens in the window), par:<id> (in flight; a long expiry so a replica that
 * died mid-request cannot hold a slot forever). Per client and period: spend:<client>:<period>,
 * a hash {requests, tokens, usd} expiring when the period ends.
 * ARGV numbers use 0 for "no limit" and -1 for "no budget".
 */
const ADMIT = `
local n = tonumber(ARGV[1])
local budget = tonumber(ARGV[2])
local periodMs = tonumber(ARGV[3])
local window = tonumber(ARGV[4])
for i = 0, n - 1 do
  local rpm, tpm, par = tonumber(ARGV[5 + i * 3]), tonumber(ARGV[6 + i * 3]), tonumber(ARGV[7 + i * 3])
  if rpm > 0 and tonumber(redis.call('GET', KEYS[1 + i * 3]) or '0') >= rpm then return {'rpm', redis.call('PTTL', KEYS[1 + i * 3])} end
  if tpm > 0 and tonumber(redis.call('GET', KEYS[2 + i * 3]) or '0') >= tpm then return {'tpm', redis.call('PTTL', KEYS[2 + i * 3])} end
  if par > 0 and tonumber(redis.call('GET', KEYS[3 + i * 3]) or '0') >= par then return {'max_parallel', 0} end
end
local spend = KEYS[n * 3 + 1]
if spend and budget >= 0 and tonumber(redis.call('HGET', spend, 'usd') or '0') >= budget then return {'budget', redis.call('PTTL', spend)} end
local out = {'ok'}
for i = 0, n - 1 do
  local req, tok, par = KEYS[1 + i * 3], KEYS[2 + i * 3], KEYS[3 + i * 3]
  local count = redis.call('INCR', req)
  if count == 1 then redis.call('PEXPIRE', req, window) end
  redis.call('INCR', par)
  redis.call('PEXPIRE', par, 600000)
  out[#out + 1] = count
  out[#out + 1] = redis.call('PTTL', req)
  out[#out + 1] = tonumber(redis.call('GET', tok) or '0')
  out[#out + 1] = redis.call('PTTL', tok)
end
if spend then
  redis.call('HINCRBY', spend, 'requests', 1)
  if redis.call('PTTL', spend) < 0 then redis.call('PEXPIRE', spend, periodMs) end
end
return out
`;

const CHARGE = `
local n = tonumber(ARGV[1])
local tokens = tonumber(ARGV[2])
for i = 1, n do
  redis.call('INCRBY', KEYS[i], tokens)
  if redis.call('PTTL', KEYS[i]) < 0 then redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[5])) end
end
local spend = KEYS[n + 1]
if spend then
  redis.call('HINCRBY', spend, 'tokens', tokens)
  redis.call('HINCRBYFLOAT', spend, 'usd', ARGV[3])
  if redis.call('PTTL', spend) < 0 then redis.call('PEXPIRE', spend, tonumber(ARGV[4])) end
end
return 1
`;

const RELEASE = `
for i = 1, #KEYS do
  if tonumber(redis.call('GET', KEYS[i]) or '0') > 0 then redis.call('DECR', KEYS[i]) end
end
return 1
`;

type Scripted = Redis & {
  limitsAdmit(numKeys: number, ...args: Array<string | number>): Promise<Array<string | number>>;
  limitsCharge(numKeys: number, ...args: Array<string | number>): Promise<number>;
  limitsRelease(numKeys: number, ...keys: string[]): Promise<number>;
};

/** Counters shared by every replica through one Redis (`REDIS_URL`), each check-and-count one script. */
export class RedisLimitCounters implements LimitCounters {
  private readonly redis: Scripted;

  constructor(
    url: string,
    private readonly prefix = 'switchboard:limits:',
  ) {
    // Fail fast when Redis is away (the caller decides: fail open or closed), and keep trying to
    // reconnect in the background.
    const redis = new Redis(url, {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      connectTimeout: 2_000,
      lazyConnect: false,
      retryStrategy: (times) => Math.min(times * 200, 2_000),
    });
    // Errors reach the callers through their commands; an unhandled 'error' event would crash.
    redis.on('error', () => undefined);
    redis.defineCommand('limitsAdmit', { lua: ADMIT });
    redis.defineCommand('limitsCharge', { lua: CHARGE });
    redis.defineCommand('limitsRelease', { lua: RELEASE });
    this.redis = redis as Scripted;
  }

  /** Resolves once connected (tests; the gateway does not wait: it fails open or closed meanwhile). */
  async ready(): Promise<void> {
    if (this.redis.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      this.redis.once('ready', resolve);
      this.redis.once('end', () => reject(new Error('redis connection ended')));
    });
  }

  /** One round trip (readiness): rejects while Redis does not answer (the client does not queue offline). */
  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async admit(rules: readonly LimitRule[], spend: SpendRule | undefined, now: number): Promise<Admission> {
    const keys: string[] = [];
    const limits: number[] = [];
    for (const rule of rules) {
      keys.push(this.key('req', rule.id), this.key('tok', rule.id), this.key('par', rule.id));
      limits.push(rule.rpm ?? 0, rule.tpm ?? 0, rule.maxParallel ?? 0);
    }
    if (spend) keys.push(this.spendKey(spend.client, spend.period));
    const periodMs = spend ? Math.max(1, spend.periodEndsAt - now) : 1;
    const out = await this.redis.limitsAdmit(keys.length, ...keys, rules.length, spend?.budgetUsd ?? -1, periodMs, WINDOW_MS, ...limits);
    const verdict = out[0] as string;
    if (verdict !== 'ok') {
      const ttl = Number(out[1]);
      const retryAfterMs = verdict === 'max_parallel' ? PARALLEL_RETRY_MS : ttl > 0 ? ttl : verdict === 'budget' ? periodMs : WINDOW_MS;
      return { refused: verdict as LimitName, retryAfterMs };
    }
    let requests: WindowState | undefined;
    let tokens: WindowState | undefined;
    rules.forEach((rule, i) => {
      const [count, countTtl, used, usedTtl] = out.slice(1 + i * 4, 5 + i * 4).map(Number);
      if (rule.rpm !== undefined)
        requests = tighter(requests, { limit: rule.rpm, remaining: rule.rpm - count, resetMs: Math.max(0, countTtl) });
      if (rule.tpm !== undefined)
        tokens = tighter(tokens, { limit: rule.tpm, remaining: Math.max(0, rule.tpm - used), resetMs: usedTtl > 0 ? usedTtl : WINDOW_MS });
    });
    return { retryAfterMs: 0, requests, tokens };
  }

  async release(rules: readonly LimitRule[]): Promise<void> {
    if (rules.length === 0) return;
    await this.redis.limitsRelease(rules.length, ...rules.map((r) => this.key('par', r.id)));
  }

  async charge(rules: readonly LimitRule[], spend: SpendRule | undefined, tokens: number, usd: number, now: number): Promise<void> {
    const keys = rules.map((r) => this.key('tok', r.id));
    if (spend) keys.push(this.spendKey(spend.client, spend.period));
    const periodMs = spend ? Math.max(1, spend.periodEndsAt - now) : 1;
    await this.redis.limitsCharge(keys.length, ...keys, rules.length, tokens, String(usd), periodMs, WINDOW_MS);
  }

  async usage(client: string, period: string): Promise<Usage> {
    const hash = await this.redis.hgetall(this.spendKey(client, period));
    return { requests: Number(hash.requests ?? 0), tokens: Number(hash.tokens ?? 0), spendUsd: Number(hash.usd ?? 0) };
  }

  async close(): Promise<void> {
    this.redis.disconnect();
    return Promise.resolve();
  }

  private key(kind: 'req' | 'tok' | 'par', id: string): string {
    return `${this.prefix}${kind}:${id}`;
  }

  private spendKey(client: string, period: string): string {
    return `${this.prefix}spend:${client}:${period}`;
  }
}
