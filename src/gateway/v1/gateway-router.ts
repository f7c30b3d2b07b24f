import { Inject, Injectable, Logger, Optional, type OnApplicationShutdown } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { KeyVault, type GatewayConfig } from '@switchboard/config';
import { KeyPoolProjection, ProviderHealthProjection } from '@switchboard/domain';
import { UndiciTransport, providerFor, type CancelSignal, type Operation } from '@switchboard/providers';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { CircuitBreakers } from '../routing/circuit-breakers';
import { routeRequest, type RouteResult } from '../routing/route-request';
import { compileRouteTable, type RouteAlias, type RouteTable } from '../routing/route-table';
import type { RoutingDeps } from '../routing/routing-deps';
import { GATEWAY_CONFIG } from '../tokens';

/**
 * The request path's dependencies, gathered once at start: the compiled route table, the
 * projections, the vault, the command bus, one shared undici transport. A request then only
 * calls `route` (no DI lookups, no config reads).
 */
@Injectable()
export class GatewayRouter implements OnApplicationShutdown {
  readonly table: RouteTable;
  readonly deps: RoutingDeps;
  private readonly transport = new UndiciTransport();

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    keys: KeyPoolProjection,
    health: ProviderHealthProjection,
    vault: KeyVault,
    commands: CommandBus,
    @Optional() metrics?: GatewayMetrics,
  ) {
    this.table = compileRouteTable(config, { providerFor, transport: this.transport });
    const logger = new Logger('Router');
    this.deps = {
      keys,
      health,
      secrets: vault,
      commands,
      circuits: new CircuitBreakers(config.routing.circuit.failureThreshold),
      routing: config.routing,
      ...(metrics ? { metrics } : {}),
      now: Date.now,
      random: Math.random,
      warn: (message) => logger.warn(message),
    };
  }

  alias(name: string): RouteAlias | undefined {
    return this.table.get(name);
  }

  route(op: Operation, body: Record<string, unknown>, alias: RouteAlias, signal: CancelSignal, stream = false): Promise<RouteResult> {
    return routeRequest(op, body, alias, this.deps, signal, stream);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.transport.close();
  }
}
