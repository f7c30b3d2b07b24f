import 'reflect-metadata';
import {
  Inject,
  Injectable,
  Logger,
  Module,
  type DynamicModule,
  type LoggerService,
  type LogLevel,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { CqrsModule } from '@nestjs/cqrs';
import type { INestApplicationContext } from '@nestjs/common';
import { KeyVault, loadConfig, type GatewayConfig } from '@switchboard/config';
import { startTracing, type TracingHandle } from '@switchboard/telemetry';
import { CoreModule } from '../gateway/core/core.module';
import { KeySync } from '../gateway/core/key-sync';
import { reportStartupFailure } from '../gateway/core/startup-failure';
import { HealthModule } from '../gateway/health/health.module';
import { openProcessLogging } from '../gateway/logging';
import { KeeperModule } from './keeper.module';

const TRACING = Symbol('TRACING');

/** Exports the last spans when the keeper stops (after the timers' work in flight has ended). */
@Injectable()
class TracingCloser implements OnApplicationShutdown {
  constructor(@Inject(TRACING) private readonly tracing: TracingHandle | undefined) {}
  async onApplicationShutdown(): Promise<void> {
    await this.tracing?.shutdown();
  }
}

/** The Keeper alone: the shared core (store, projections, keys sync) and the timers; no HTTP server. */
@Module({})
class KeeperAppModule {
  static forRoot(opts: {
    config: GatewayConfig;
    env: NodeJS.ProcessEnv;
    vault: KeyVault;
    probes: boolean;
    tracing: TracingHandle | undefined;
  }): DynamicModule {
    return {
      module: KeeperAppModule,
      imports: [CqrsModule.forRoot(), CoreModule.forRoot(opts), KeeperModule, ...(opts.probes ? [HealthModule.forRoot()] : [])],
      providers: [{ provide: TRACING, useValue: opts.tracing }, TracingCloser],
    };
  }
}

export interface KeeperOptions {
  config?: GatewayConfig;
  configPath?: string;
  env?: NodeJS.ProcessEnv;
  logger?: false | LogLevel[] | LoggerService;
  /** Serve `/health/live` and `/health/ready` on this port (0: a free one) for an orchestrator's probes; none when omitted. */
  port?: number;
  host?: string;
}

/** Starts a standalone Keeper (whatever `keeper.enabled` says: starting it is the intent). */
export async function createKeeper(opts: KeeperOptions = {}): Promise<INestApplicationContext> {
  const env = opts.env ?? process.env;
  const config = opts.config ?? loadConfig({ path: opts.configPath, env });
  const vault = new KeyVault();
  // Omitted: JSON lines through pino (LOG_LEVEL, LOG_PRETTY), the keys it probes redacted.
  const logging = opts.logger === undefined ? openProcessLogging({ config, env, vault }) : undefined;
  const options = { logger: logging?.nest ?? opts.logger, abortOnError: false } as const;
  // As the gateway does, before the modules (the store's appends are traced from the first one):
  // OTEL_EXPORTER_OTLP_ENDPOINT set, each probe is a span and so is each append.
  const tracing = startTracing({ service: 'switchboard-keeper', env, log: logging?.logger.child({ context: 'Tracing' }) });
  if (opts.port === undefined) {
    const app = await NestFactory.createApplicationContext(
      KeeperAppModule.forRoot({ config, env, vault, probes: false, tracing }),
      options,
    );
    app.enableShutdownHooks();
    try {
      await app.init();
      await app.get(KeySync).started;
    } catch (err) {
      await app.close().catch(() => undefined);
      await tracing?.shutdown();
      throw err;
    }
    return app;
  }
  const app = await NestFactory.create<NestFastifyApplication>(
    KeeperAppModule.forRoot({ config, env, vault, probes: true, tracing }),
    new FastifyAdapter(),
    options,
  );
  app.enableShutdownHooks();
  try {
    // Loopback unless HOST says otherwise, as the gateway (the image and deploy/k8s set HOST=0.0.0.0).
    await app.listen({ port: opts.port, host: opts.host ?? (env.HOST || '127.0.0.1') });
    await app.get(KeySync).started;
  } catch (err) {
    await app.close().catch(() => undefined);
    await tracing?.shutdown();
    throw err;
  }
  return app;
}

if (require.main === module) {
  // PORT set (as in deploy/k8s): the probes are served there; otherwise the keeper has no HTTP server.
  createKeeper({ port: process.env.PORT ? Number(process.env.PORT) : undefined })
    .then(() => new Logger('Keeper').log(`keeper running${process.env.PORT ? ` (probes on port ${process.env.PORT})` : ''}`))
    .catch((err: unknown) => {
      reportStartupFailure(err);
      process.exit(1);
    });
}
