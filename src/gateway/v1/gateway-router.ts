import { Inject, Injectable, Logger, Optional, type OnApplicationShutdown } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { KeyVault, type GatewayConfig } from '@switchboard/config';
import { KeyPoolProjection, ProviderHealthProjection } from '@switchboard/domain';
import { UndiciTransport, providerFor, type CancelSignal, type Operation } from '@switchboard/providers';
import { activeTraceparent, activeTracer } from '@switchboard/telemetry';
import type { FastifyReply } from 'fastify';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { CircuitBreakers } from '../routing/circuit-breakers';
import { deliverRecord, finishRefused, finishRequest } from '../routing/finish-request';
import { openRequest, type RequestContext } from '../routing/request-context';
import type { Endpoint, RequestRecord } from '../routing/request-record';
import { RequestTrace } from '../routing/request-trace';
import { traceRoutedCalls } from '../tracing/request-spans';
import { routeRequest } from '../routing/route-request';
import type { RouteResult } from '../routing/route-result';
import { compileRouteTable, type RouteAlias, type RouteTable } from '../routing/route-table';
import type { RoutingDeps } from '../routing/routing-deps';
import { LiveConfig } from '../core/live-config';
import { CLOCK, GATEWAY_CONFIG, type Clock } from '../tokens';
import { RequestObservers } from './request-observers';

type RoutedOp = Exclude<Operation, 'models'>;

/**
 * The request path's dependencies, gathered once at start: the compiled route table, the
 * projections, the vault, the command bus, one shared undici transport, the request observers.
 * A front end then opens a request, routes it and finishes it (no DI lookups, no config reads).
 */
@Injectable()
export class GatewayRouter implements OnApplicationShutdown {
  /** Replaced whole when a new config is applied; a request keeps the alias it resolved. */
  table: RouteTable;
  private readonly deps: RoutingDeps;
  private readonly transport = new UndiciTransport();

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    keys: KeyPoolProjection,
    health: ProviderHealthProjection,
    vault: KeyVault,
    commands: CommandBus,
    observers: RequestObservers,
    live: LiveConfig,
    @Inject(CLOCK) clock: Clock,
    @Optional() metrics?: GatewayMetrics,
  ) {
    this.table = compileRouteTable(config, { providerFor, transport: this.transport });
    live.onChange((next) => (this.table = compileRouteTable(next, { providerFor, transport: this.transport })));
    const logger = new Logger('Router');
    // Metrics count every finished request like any other observer.
    if (metrics) observers.register(metrics);
    this.deps = {
      keys,
      health,
      secrets: vault,
      commands,
      circuits: new CircuitBreakers(config.routing.circuit.failureThreshold),
      routing: config.routing,
      ...(metrics ? { metrics } : {}),
      observers: observers.list,
      now: clock.now,
      random: Math.random,
      warn: (message) => logger.warn(message),
    };
  }

  alias(name: string): RouteAlias | undefined {
    return this.table.get(name);
  }

  /** A request about to be routed: the one context object that travels down the pipeline. */
  open(
    op: RoutedOp,
    body: Record<string, unknown>,
    alias: RouteAlias,
    signal: CancelSignal,
    stream: boolean,
    client: string | null = null,
    trace?: RequestTrace,
  ): RequestContext {
    return openRequest(op, body, alias, this.deps, signal, stream, client, trace);
  }

  /** Routes in-process (the ReAct engine's model calls): no front end, no record of its own (the session makes one); traced under the active span. */
  async route(op: RoutedOp, body: Record<string, unknown>, alias: RouteAlias, signal: CancelSignal, stream = false): Promise<RouteResult> {
    if (activeTracer() === undefined) return routeRequest(this.open(op, body, alias, signal, stream));
    const request = this.open(op, body, alias, signal, stream, null, new RequestTrace(activeTraceparent()));
    const result = await routeRequest(request);
    traceRoutedCalls(request, result);
    return result;
  }

  /** The front end wrote its answer (a stream: its relay ended): observers get the record. */
  finish(request: RequestContext, endpoint: Endpoint, result: RouteResult, status: number, reply: FastifyReply): void {
    if (this.deps.observers.length === 0) return;
    finishRequest(request, endpoint, result, status, requestIdOf(reply));
  }

  /** A request that made its own record (a ReAct session, from its model calls) ended: observers get it. */
  finished(record: RequestRecord): void {
    if (this.deps.observers.length === 0) return;
    deliverRecord(this.deps, record);
  }

  /** The front end refused the request before routing (bad body, unknown model, a client limit). */
  refused(
    endpoint: Endpoint,
    status: number,
    reply: FastifyReply,
    startedAt: number,
    client: string | null = null,
    alias: string | null = null,
    trace?: RequestTrace,
  ): void {
    if (this.deps.observers.length === 0) return;
    finishRefused(this.deps, endpoint, status, requestIdOf(reply), startedAt, client, alias, trace ?? null);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.transport.close();
  }
}

function requestIdOf(reply: FastifyReply): string {
  const id = reply.getHeader('x-request-id');
  return typeof id === 'string' ? id : '';
}
