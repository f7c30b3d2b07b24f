import { Global, Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { KeyVault, type GatewayConfig } from '@switchboard/config';
import { ClientKeysProjection, KeyPoolProjection, ProjectionCheckpoints, ProviderHealthProjection } from '@switchboard/domain';
import { createEventStore, type EventStore } from '@switchboard/event-store';
import { CLOCK, EVENT_STORE, GATEWAY_CONFIG, SYSTEM_CLOCK, type Clock } from '../tokens';
import { GATEWAY_ENV } from './core.tokens';
import { AppendTimings } from './append-timings';
import { DomainWriter } from './domain-writer';
import { DomainCommandHandler } from './domain-command.handler';
import { KeySync } from './key-sync';
import { LiveConfig } from './live-config';
import { ProjectionFeed } from './projection-feed';
import { traceAppends } from '../tracing/traced-appends';

/** Closes the store last, after every module has stopped using it. */
@Injectable()
class StoreCloser implements OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}
  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

/** Issued keys arrive through the feed; the configured ones are known from the start. */
function clientKeys(config: GatewayConfig): ClientKeysProjection {
  const projection = new ClientKeysProjection();
  projection.configure(config.auth.clientKeys, new Date().toISOString());
  return projection;
}

export interface CoreOptions {
  config: GatewayConfig;
  env: NodeJS.ProcessEnv;
  /** The process's key vault when it exists before the app (the logger redacts its secrets). */
  vault?: KeyVault;
  /** Defaults to the system clock; tests pass one they move. */
  clock?: Clock;
}

/**
 * What every part of the gateway (and the standalone keeper) shares: config, the event store,
 * the key vault, both projections, the command handler, the projection feed and the keys sync.
 */
@Global()
@Module({})
export class CoreModule {
  static forRoot({ config, env, vault, clock = SYSTEM_CLOCK }: CoreOptions): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: GATEWAY_ENV, useValue: env },
        { provide: CLOCK, useValue: clock },
        AppendTimings,
        {
          provide: EVENT_STORE,
          useFactory: (timings: AppendTimings) =>
            traceAppends(timings.wrap(createEventStore(env.EVENT_STORE_URL, { nodeEnv: env.NODE_ENV }))),
          inject: [AppendTimings],
        },
        { provide: KeyVault, useValue: vault ?? new KeyVault() },
        { provide: KeyPoolProjection, useValue: new KeyPoolProjection({ rampUpMs: config.keys.rampUpMs }) },
        { provide: ProviderHealthProjection, useValue: new ProviderHealthProjection() },
        { provide: ProjectionCheckpoints, useValue: new ProjectionCheckpoints() },
        { provide: ClientKeysProjection, useValue: clientKeys(config) },
        DomainWriter,
        ProjectionFeed,
        LiveConfig,
        KeySync,
        StoreCloser,
        DomainCommandHandler,
      ],
      exports: [
        AppendTimings,
        GATEWAY_CONFIG,
        GATEWAY_ENV,
        CLOCK,
        EVENT_STORE,
        KeyVault,
        KeyPoolProjection,
        ProviderHealthProjection,
        ProjectionCheckpoints,
        ClientKeysProjection,
        DomainWriter,
        ProjectionFeed,
        LiveConfig,
        KeySync,
      ],
    };
  }
}
