import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { startGatewayProcess, type Child } from '../../keeper/fixtures/child-process';
import { CapturingLogger } from '../../support/capturing-logger';
import { waitFor } from '../../support/eventually';
import { describeWithRedis, REDIS_URL, uniqueRedisPrefix } from '../../support/redis';
import { chatCompletion, reply, startScriptedUpstream, type ScriptedUpstream } from '../../support/scripted-upstream';
import { startGateway, type StartedGateway } from '../../support/start-gateway';

const KEY = 'sb-limits-e2e-client-1';
const UPSTREAM_KEY = 'sk-limits-e2e-upstream-1';

/** An answer that reports 100 prompt + 500 completion tokens: 600, costing $0.006 at $10 per million each way. */
const answer600 = reply.json({
  ...chatCompletion('gpt-x', 'ok'),
  usage: { prompt_tokens: 100, completion_tokens: 500, total_tokens: 600 },
});

function configFor(upstream: ScriptedUpstream, client: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    auth: { client_keys: [{ name: 'acme', key: KEY, ...client }] },
    providers: { up: { type: 'openai', base_url: upstream.baseUrl, keys: [UPSTREAM_KEY] } },
    models: { 'gpt-x': { chain: [{ provider: 'up', model: 'gpt-x' }] } },
    prices: { 'gpt-x': { input_per_mtok: 10, output_per_mtok: 10 } },
    keeper: { enabled: false },
    ...extra,
  };
}

const chat = (gw: StartedGateway) => chatAt(gw.url);
const chatAt = (url: string) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
    body: JSON.stringify({ model: 'gpt-x', messages: [{ role: 'user', content: 'hi' }] }),
  });

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('tokens per minute and budgets (counters in memory)', () => {
  let upstream: ScriptedUpstream;
  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    upstream.fallback(answer600);
  });
  afterAll(() => upstream.close());

  it('tpm 1000 with answers of 600 tokens: the third request is refused', async () => {
    const gw = await startGateway({ config: configFor(upstream, { tpm: 1000 }) });
    try {
      const first = await chat(gw);
      expect(first.status).toBe(200);
      expect(first.headers.get('x-ratelimit-limit-tokens')).toBe('1000');
      expect(first.headers.get('x-ratelimit-remaining-tokens')).toBe('1000');
      const second = await chat(gw);
      expect(second.status).toBe(200);
      expect(second.headers.get('x-ratelimit-remaining-tokens')).toBe('400');
      const third = await chat(gw);
      expect(third.status).toBe(429);
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(third.headers.get('x-ratelimit-remaining-tokens')).toBe('0');
      expect(((await third.json()) as { error: { code: string } }).error.code).toBe('rate_limit_exceeded');
    } finally {
      await gw.close();
    }
  });

  it('a budget of $0.01 at $0.006 a request: the third is refused with insufficient_quota, the spend is listed', async () => {
    const gw = await startGateway({ config: configFor(upstream, { budget: { usd: 0.01, per: 'day' } }) });
    try {
      expect((await chat(gw)).status).toBe(200);
      expect((await chat(gw)).status).toBe(200);
      const third = await chat(gw);
      expect(third.status).toBe(429);
      expect(((await third.json()) as { error: Record<string, unknown> }).error).toMatchObject({
        type: 'insufficient_quota',
        code: 'insufficient_quota',
      });
      const retryAfter = Number(third.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(86_400);
      const listed = (await (await fetch(`${gw.url}/admin/clients/acme`)).json()) as { usage: Record<string, unknown> };
      expect(listed.usage).toMatchObject({ period: new Date().toISOString().slice(0, 10), requests: 2, tokens: 1200 });
      expect(listed.usage.spend_usd).toBeCloseTo(0.012, 9);
    } finally {
      await gw.close();
    }
  });
});

describeWithRedis('limits shared through Redis by two gateways', () => {
  let upstream: ScriptedUpstream;
  const prefixes: string[] = [];
  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    upstream.fallback(answer600);
  });
  afterAll(async () => {
    await upstream.close();
    const redis = new Redis(REDIS_URL);
    for (const prefix of prefixes) {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
    }
    redis.disconnect();
  });

  /** A replica's Redis connection is up once it reports the client's usage (before it, a request fails open). */
  const redisUp = (url: string) =>
    waitFor(`Redis counters on ${url}`, async () => {
      const res = await fetch(`${url}/admin/clients/acme`);
      return ((await res.json()) as { usage?: unknown }).usage !== undefined;
    });

  /** Two replicas in this process: separate apps, separate Redis connections, one event store and one key prefix. */
  async function twoReplicas(client: Record<string, unknown>): Promise<[StartedGateway, StartedGateway]> {
    const prefix = uniqueRedisPrefix();
    prefixes.push(prefix);
    const env = { REDIS_URL, REDIS_KEY_PREFIX: prefix };
    const a = await startGateway({ config: configFor(upstream, client), env });
    const b = await startGateway({ config: configFor(upstream, client), env: { ...env, EVENT_STORE_URL: `sqlite:${a.storePath}` } });
    for (const gw of [a, b]) await redisUp(gw.url);
    return [a, b];
  }

  it('rpm 10 on two gateway processes: exactly 10 answers across both, then 429 with Retry-After', async () => {
    const prefix = uniqueRedisPrefix();
    prefixes.push(prefix);
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-limits-'));
    const configPath = join(dir, 'gateway.yaml');
    writeFileSync(configPath, stringify(configFor(upstream, { rpm: 10 })));
    const env = {
      SWITCHBOARD_CONFIG: configPath,
      EVENT_STORE_URL: `sqlite:${join(dir, 'events.db')}`,
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
    };
    // One after the other: the first seeds the store, the second finds the config there.
    const replicas: Array<{ child: Child; url: string }> = [];
    try {
      replicas.push(await startGatewayProcess(env));
      replicas.push(await startGatewayProcess(env));
      for (const { url } of replicas) await redisUp(url);
      const statuses: number[] = [];
      let lastRefusal: Response | undefined;
      for (let i = 0; i < 16; i++) {
        const res = await chatAt(replicas[i % 2].url);
        statuses.push(res.status);
        if (res.status === 429) lastRefusal = res;
      }
      expect(statuses.filter((s) => s === 200)).toHaveLength(10);
      expect(statuses.slice(10)).toEqual([429, 429, 429, 429, 429, 429]);
      expect(Number(lastRefusal!.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(lastRefusal!.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    } finally {
      await Promise.all(replicas.map(({ child }) => child.stop()));
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('tpm and a budget hold across both replicas', async () => {
    const [a, b] = await twoReplicas({ tpm: 1000, budget: { usd: 0.01, per: 'month' } });
    try {
      expect((await chat(a)).status).toBe(200);
      expect((await chat(b)).status).toBe(200);
      const third = await chat(a);
      expect(third.status).toBe(429);
      const spend = (await (await fetch(`${b.url}/admin/clients/acme`)).json()) as { usage: { spend_usd: number; tokens: number } };
      expect(spend.usage.tokens).toBe(1200);
      expect(spend.usage.spend_usd).toBeCloseTo(0.012, 9);
    } finally {
      await b.close();
      await a.close();
    }
  });
});

describe('Redis unreachable', () => {
  let upstream: ScriptedUpstream;
  beforeAll(async () => {
    upstream = await startScriptedUpstream();
  });
  afterAll(() => upstream.close());

  it('fails open by default, with a metric and a log line', async () => {
    const logs = new CapturingLogger();
    const gw = await startGateway({
      config: configFor(upstream, { rpm: 1 }),
      env: { REDIS_URL: `redis://127.0.0.1:${await closedPort()}` },
      logger: logs,
    });
    try {
      expect((await chat(gw)).status).toBe(200);
      expect((await chat(gw)).status).toBe(200);
      const metrics = await (await fetch(`${gw.url}/metrics`)).text();
      expect(metrics).toMatch(/switchboard_limits_store_errors_total\{action="allowed"\} [1-9]/);
      expect(logs.lines.some((l) => l.includes('rate-limit counters unreachable') && l.includes('fail open'))).toBe(true);
    } finally {
      await gw.close();
    }
  });

  it('fails closed with limits.on_redis_error: deny', async () => {
    const gw = await startGateway({
      config: configFor(upstream, { rpm: 100 }, { limits: { on_redis_error: 'deny' } }),
      env: { REDIS_URL: `redis://127.0.0.1:${await closedPort()}` },
      logger: false,
    });
    try {
      const res = await chat(gw);
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('limits_unavailable');
    } finally {
      await gw.close();
    }
  });
});
