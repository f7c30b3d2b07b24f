import 'reflect-metadata';
import { Logger, Module, type DynamicModule, type LoggerService, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import type { INestApplicationContext } from '@nestjs/common';
import { loadConfig, type GatewayConfig } from '@switchboard/config';
import { CoreModule } from '../gateway/core/core.module';
import { reportStartupFailure } from '../gateway/core/startup-failure';
import { KeeperModule } from './keeper.module';

/** The Keeper alone: the shared core (store, projections, keys sync) and the timers; no HTTP server. */
@Module({})
class KeeperAppModule {
  static forRoot(opts: { config: GatewayConfig; env: NodeJS.ProcessEnv }): DynamicModule {
    return { module: KeeperAppModule, imports: [CqrsModule.forRoot(), CoreModule.forRoot(opts), KeeperModule] };
  }
}

export interface KeeperOptions {
  config?: GatewayConfig;
  configPath?: string;
  env?: NodeJS.ProcessEnv;
  logger?: false | LogLevel[] | LoggerService;
}

/** Starts a standalone Keeper (whatever `keeper.enabled` says: starting it is the intent). */
export async function createKeeper(opts: KeeperOptions = {}): Promise<INestApplicationContext> {
  const env = opts.env ?? process.env;
  const config = opts.config ?? loadConfig({ path: opts.configPath, env });
  const app = await NestFactory.createApplicationContext(KeeperAppModule.forRoot({ config, env }), {
    logger: opts.logger ?? ['log', 'warn', 'error'],
    abortOnError: false,
  });
  app.enableShutdownHooks();
  await app.init();
  return app;
}

if (require.main === module) {
  createKeeper()
    .then(() => new Logger('Keeper').log('keeper running'))
    .catch((err: unknown) => {
      reportStartupFailure(err);
      process.exit(1);
    });
}
