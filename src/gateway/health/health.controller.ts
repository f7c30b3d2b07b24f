import { Controller, Get, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import type { EventStore } from '@switchboard/event-store';
import type { FastifyReply } from 'fastify';
import { ProjectionFeed } from '../core/projection-feed';
import { EVENT_STORE } from '../tokens';

const PING_TIMEOUT_MS = 2_000;

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly feed: ProjectionFeed,
  ) {}

  /** The process is up and serving HTTP. */
  @Get('live')
  @HealthCheck()
  live(@Res() reply: FastifyReply): Promise<void> {
    return this.answer(reply, () => this.health.check([() => this.indicators.check('process').up({ pid: process.pid })]));
  }

  /** The event store answers and the projections have caught up: requests see the real key states. */
  @Get('ready')
  @HealthCheck()
  ready(@Res() reply: FastifyReply): Promise<void> {
    return this.answer(reply, () =>
      this.health.check([
        () => this.storeReachable(),
        () => {
          const check = this.indicators.check('projections');
          // The detail stays in the log: this endpoint is open to anyone's probes.
          if (this.feed.failure !== undefined)
            return check.down({ message: 'a projection failed on an event: no longer following the store' });
          return this.feed.caughtUp ? check.up() : check.down({ message: 'catching up with the event store' });
        },
      ]),
    );
  }

  private async storeReachable() {
    const check = this.indicators.check('event_store');
    try {
      await withTimeout(this.store.ping(), PING_TIMEOUT_MS);
      return check.up();
    } catch (err) {
      return check.down({ message: (err as Error).message });
    }
  }

  /** Terminus' own body on 503 too (the exception filter would otherwise reshape it). */
  private async answer(reply: FastifyReply, run: () => Promise<HealthCheckResult>): Promise<void> {
    try {
      void reply.status(200).send(await run());
    } catch (err) {
      if (!(err instanceof ServiceUnavailableException)) throw err;
      void reply.status(503).send(err.getResponse());
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
