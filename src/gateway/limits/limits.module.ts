import { Global, Inject, Injectable, Logger, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { GatewayConfig } from '@switchboard/config';
import { LineThrottle } from '@switchboard/telemetry';
import { Counter } from 'prom-client';
import { GATEWAY_ENV } from '../core/core.tokens';
import { LiveConfig } from '../core/live-config';
import { GATEWAY_CONFIG } from '../tokens';
import { Readiness } from '../health/readiness';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { ClientLimiter, type AliasLimits } from './client-limiter';
import { LimitsObserver } from './limits.observer';
import type { LimitCounters } from './limit-counters';
import { MemoryLimitCounters } from './memory-limit-counters';
import { RedisLimitCounters } from './redis-limit-counters';

/** A store failure is logged at most this often (Redis down means every request fails the same way). */
const LOG_EVERY_MS = 10_000;

/** Owns the counters (memory, or Redis with `REDIS_URL`), reports Redis in readiness, and closes them last. */
@Injectable()
export class LimitCountersHolder implements OnModuleInit, OnApplicationShutdown {
  readonly counters: LimitCounters;
  constructor(
    @Inject(GATEWAY_ENV) env: NodeJS.ProcessEnv,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly readiness: Readiness,
  ) {
    this.counters = env.REDIS_URL
      ? new RedisLimitCounters(env.REDIS_URL, env.REDIS_KEY_PREFIX || 'switchboard:limits:')
      : new MemoryLimitCounters();
  }

  onModuleInit(): void {
    const counters = this.counters;
    if (!(counters instanceof RedisLimitCounters)) return;
    // Never required: every replica shares the one Redis, so a 503 would take them all out of
    // service at once, while each still serves (limits fail open, or only limited clients are refused).
    const consequence =
      this.config.limits.onRedisError === 'allow'
        ? 'limits are not enforced meanwhile (limits.on_redis_error: allow)'
        : 'requests of clients with limits are refused meanwhile (limits.on_redis_error: deny)';
    this.readiness.register({
      name: 'redis',
      required: false,
      check: async () => {
        try {
          await counters.ping();
          return { status: 'up' };
        } catch {
          return { status: 'down', message: `rate-limit counters unreachable: ${consequence}` };
        }
      },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.counters.close();
  }
}

function makeLimiter(holder: LimitCountersHolder, config: GatewayConfig, live: LiveConfig, metrics?: GatewayMetrics): ClientLimiter {
  const logger = new Logger('Limits');
  const registers = metrics ? [metrics.registry] : [];
  const storeErrors = new Counter({
    name: 'switchboard_limits_store_errors_total',
    help: 'Rate-limit checks that could not reach the counters (Redis), by what was done: allowed (fail open) or denied.',
    labelNames: ['action'],
    registers,
  });
  const refusals = new Counter({
    name: 'switchboard_limit_refusals_total',
    help: 'Requests refused by a client or alias limit, by limit (rpm, tpm, max_parallel, budget).',
    labelNames: ['limit'],
    registers,
  });
  const throttle = new LineThrottle(Date.now, LOG_EVERY_MS);
  const failOpen = config.limits.onRedisError === 'allow';
  const limiter = new ClientLimiter(holder.counters, failOpen, {
    storeFailed(error, open) {
      storeErrors.inc({ action: open ? 'allowed' : 'denied' });
      const held = throttle.pass('counters unreachable');
      if (held === undefined) return;
      const more = held > 0 ? ` (${held} more since the last line)` : '';
      logger.error(
        `rate-limit counters unreachable, requests are ${open ? 'allowed (fail open)' : 'refused (limits.on_redis_error: deny)'}: ${error instanceof Error ? error.message : String(error)}${more}`,
      );
    },
    refused(limit) {
      refusals.inc({ limit });
    },
  });
  limiter.aliasLimits = aliasLimitsOf(config);
  live.onChange((next) => (limiter.aliasLimits = aliasLimitsOf(next)));
  return limiter;
}

export function aliasLimitsOf(config: GatewayConfig): Map<string, AliasLimits> {
  const limits = new Map<string, AliasLimits>();
  for (const alias of Object.values(config.models)) if (alias.limits) limits.set(alias.name, alias.limits);
  return limits;
}

/** Client and alias limits, budgets; global so /v1 and /admin/clients share the limiter. */
@Global()
@Module({
  providers: [
    LimitCountersHolder,
    {
      provide: ClientLimiter,
      useFactory: makeLimiter,
      inject: [LimitCountersHolder, GATEWAY_CONFIG, LiveConfig, { token: GatewayMetrics, optional: true }],
    },
    LimitsObserver,
  ],
  exports: [ClientLimiter],
})
export class LimitsModule {}
