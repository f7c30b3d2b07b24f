import { Redis } from 'ioredis';
import { describeWithRedis, REDIS_URL, uniqueRedisPrefix } from '../../support/redis';
import { describeLimitCountersContract } from '../../../src/gateway/limits/limit-counters.contract';
import { RedisLimitCounters } from '../../../src/gateway/limits/redis-limit-counters';

describeWithRedis('Redis limit counters', () => {
  const prefixes: string[] = [];
  afterAll(async () => {
    const redis = new Redis(REDIS_URL);
    for (const prefix of prefixes) {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
    }
    redis.disconnect();
  });

  describeLimitCountersContract(
    'redis',
    async () => {
      const prefix = uniqueRedisPrefix();
      prefixes.push(prefix);
      const counters = new RedisLimitCounters(REDIS_URL, prefix);
      await counters.ready();
      return counters;
    },
    { timeTravels: false },
  );

  it('two processes sharing one Redis share one window: exactly rpm admissions between them', async () => {
    const prefix = uniqueRedisPrefix();
    prefixes.push(prefix);
    const a = new RedisLimitCounters(REDIS_URL, prefix);
    const b = new RedisLimitCounters(REDIS_URL, prefix);
    await Promise.all([a.ready(), b.ready()]);
    const rules = [{ id: 'c:shared', rpm: 10 }];
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).admit(rules, undefined, Date.now())));
    expect(results.filter((r) => r.refused === undefined)).toHaveLength(10);
    expect(results.filter((r) => r.refused === 'rpm')).toHaveLength(20);
    await Promise.all([a.close(), b.close()]);
  });
});
