import { Global, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { Inject, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { GatewayConfig } from '@switchboard/config';
import { createResponseStore, type ResponseStore } from '@switchboard/response-store';
import { GATEWAY_ENV } from '../core/core.tokens';
import { GATEWAY_CONFIG, MODEL_CLIENT, RESPONSE_STORE } from '../tokens';
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
  providers: [
    RequestObservers,
    GatewayRouter,
    RoutedModelClient,
    { provide: MODEL_CLIENT, useExisting: RoutedModelClient },
    { provide: RESPONSE_STORE, inject: [GATEWAY_CONFIG, GATEWAY_ENV], useFactory: openResponseStore },
  ],
  exports: [GatewayRouter, RequestObservers, MODEL_CLIENT],
})
export class V1Module implements OnApplicationShutdown {
  constructor(@Inject(RESPONSE_STORE) private readonly responses: ResponseStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.responses.close();
  }
}

/** Beside the event store when it is the SQLite file or PostgreSQL (replicas on it share responses); see createResponseStore. */
function openResponseStore(config: GatewayConfig, env: NodeJS.ProcessEnv): ResponseStore {
  const { store, shared } = createResponseStore(env.EVENT_STORE_URL, config.responses);
  if (!shared) {
    new Logger('Responses').warn(
      'stored responses (previous_response_id, GET /v1/responses/{id}) are not kept beside this event store: only replicas on the same data/ directory share them (they are shared through a SQLite or PostgreSQL event store)',
    );
  }
  return store;
}
