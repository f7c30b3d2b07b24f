import { Global, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { MODEL_CLIENT } from '../tokens';
import { GatewayRouter } from './gateway-router';
import { RequestObservers } from './request-observers';
import { RoutedModelClient } from './routed-model-client';
import { V1Controller } from './v1.controller';

/**
 * The OpenAI-compatible `/v1` endpoints and the router behind them. Global because the router is
 * also the ReAct engine's `MODEL_CLIENT`. Expects CoreModule (config, projections, vault), the
 * CQRS command bus and ReactModule (`ReactChat`, for agent aliases); uses `GatewayMetrics` when
 * MetricsModule is loaded. `RequestObservers` is where a module subscribes to finished requests.
 */
@Global()
@Module({
  imports: [CqrsModule],
  controllers: [V1Controller],
  providers: [RequestObservers, GatewayRouter, RoutedModelClient, { provide: MODEL_CLIENT, useExisting: RoutedModelClient }],
  exports: [GatewayRouter, RequestObservers, MODEL_CLIENT],
})
export class V1Module {}
