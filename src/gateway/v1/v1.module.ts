import { Global, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import type { FastifyInstance } from 'fastify';
import { MODEL_CLIENT } from '../tokens';
import { GatewayRouter } from './gateway-router';
import { installRequestId } from './request-id.hook';
import { RoutedModelClient } from './routed-model-client';
import { V1Controller } from './v1.controller';

/**
 * The OpenAI-compatible `/v1` endpoints and the router behind them. Global because the router is
 * also the ReAct engine's `MODEL_CLIENT`. Expects CoreModule (config, projections, vault), the
 * CQRS command bus and ReactModule (`ReactChat`, for agent aliases); uses `GatewayMetrics` when
 * MetricsModule is loaded.
 */
@Global()
@Module({
  imports: [CqrsModule],
  controllers: [V1Controller],
  providers: [GatewayRouter, RoutedModelClient, { provide: MODEL_CLIENT, useExisting: RoutedModelClient }],
  exports: [GatewayRouter, MODEL_CLIENT],
})
export class V1Module implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    installRequestId(this.adapterHost.httpAdapter.getInstance<FastifyInstance>());
  }
}
