import { Controller, Get, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { Readiness } from './readiness';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly readiness: Readiness,
  ) {}

  /** The process is up and serving HTTP. */
  @Get('live')
  @HealthCheck()
  async live(@Res() reply: FastifyReply): Promise<void> {
    void reply.status(200).send(await this.health.check([() => this.indicators.check('process').up({ pid: process.pid })]));
  }

  /**
   * Every dependency this process is configured to use. 503 only when it cannot serve (a required
   * dependency down, or shutting down); a dependency that only degrades service shows as degraded
   * with 200. Terminus' body shape, written here since Terminus knows only up and down.
   */
  @Get('ready')
  async ready(@Res() reply: FastifyReply): Promise<void> {
    const report = await this.readiness.report();
    void reply.status(report.status === 'ok' ? 200 : 503).send(report);
  }
}
