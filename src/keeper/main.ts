import 'reflect-metadata';
import { Logger, Module, type DynamicModule, type LoggerService, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { CqrsModule } from '@nestjs/cqrs';
import type { INestApplicationContext } from '@nestjs/common';
import { KeyVault, loadConfig, type GatewayConfig } from '@switchboard/config';
import { CoreModule } from '../gateway/core/core.module';
import { KeySync } from '../gateway/core/key-sync';
import { reportStartupFailure } from '../gateway/core/startup-failure';
import { HealthModule } from '../gateway/health/health.module';
import { openProcessLogging } from '../gateway/logging';
import { KeeperModule } from './keeper.module';

/** The Keeper alone: the shared core (store, projections, keys sync) and the timers; no HTTP server. */
@Module({})
class KeeperAppModule {
  static forRoot(opts: { config: GatewayConfig; env: NodeJS.ProcessEnv; vault: KeyVault; probes: boolean }): DynamicModule {
    return {
      module: KeeperAppModule,
      imports: [CqrsModule.forRoot(), CoreModule.forRoot(opts), KeeperModule, ...(opts.probes ? [HealthModule.forRoot()] : [])],
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
  const logger = opts.logger ?? openProcessLogging({ config, env, vault }).nest;
  const options = { logger, abortOnError: false } as const;
  if (opts.port === undefined) {
    const app = await NestFactory.createApplicationContext(KeeperAppModule.forRoot({ config, env, vault, probes: false }), options);
    app.enableShutdownHooks();
    try {
      await app.init();
      await app.get(KeySync).started;
    } catch (err) {
      await app.close().catch(() => undefined);
      throw err;
    }
    return app;
  }
  const app = await NestFactory.create<NestFastifyApplication>(
    KeeperAppModule.forRoot({ config, env, vault, probes: true }),
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
