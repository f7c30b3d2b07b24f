import 'reflect-metadata';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger, type LoggerService, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { KeyVault, loadConfig, type GatewayConfig } from '@switchboard/config';
import { ClientKeysProjection } from '@switchboard/domain';
import type { DestinationStream } from 'pino';
import { AppModule } from './app.module';
import { KeySync } from './core/key-sync';
import { LiveConfig } from './core/live-config';
import { reportStartupFailure } from './core/startup-failure';
import { installAuth } from './auth/auth.hook';
import { serveConsole } from './http/console';
import { installCors } from './http/cors';
import { serveDocs } from './http/docs';
import { OpenAiExceptionFilter } from './http/exception.filter';
import { answerClientError, installJsonDepthLimit } from './http/wire-errors';
import { countRequestsInFlight, requestsFinished, shutdownGraceMs } from './http/graceful-shutdown';
import { Readiness } from './health/readiness';
import { openProcessLogging, RequestLog } from './logging';
import { activeTracer, startTracing } from '@switchboard/telemetry';
import { RequestSpans } from './tracing/request-spans';
import { RequestObservers } from './v1/request-observers';
import type { Clock } from './tokens';
import { installRequestId } from './v1/request-id.hook';

export interface GatewayOptions {
  /** A loaded config; otherwise it is read from `configPath` / SWITCHBOARD_CONFIG / config/gateway.yaml. */
  config?: GatewayConfig;
  configPath?: string;
  env?: NodeJS.ProcessEnv;
  /** Defaults to config.server.port (PORT env already applied by loadConfig); 0 picks a free port. */
  port?: number;
  host?: string;
  /**
   * Omitted or true: JSON lines through pino (LOG_LEVEL, LOG_PRETTY), one per finished request
   * among them. Log levels or a logger of the caller's: Nest's text logs there, and no request lines.
   */
  logger?: boolean | LogLevel[] | LoggerService;
  /** Where the JSON lines go instead of standard output (tests read them). */
  logStream?: DestinationStream;
  /** The clock deadlines are read from (the system clock unless a test moves its own). */
  clock?: Clock;
}

export interface RunningGateway {
  app: NestFastifyApplication;
  /** Base URL, e.g. `http://127.0.0.1:8080` (no trailing slash); loopback when bound to every interface. */
  url: string;
  /** The address actually bound, e.g. `0.0.0.0:8080` or `127.0.0.1:8080`, for the start-up log. */
  bound: string;
  close(): Promise<void>;
  /**
   * SIGTERM's work: not ready at once, the requests in flight (streams too) served to their end or
   * until SHUTDOWN_GRACE_MS, then everything closed in order (NATS drained, the store last).
   */
  shutdown(): Promise<void>;
  /** Writes out log lines still buffered (call before `process.exit`). */
  flushLogs(): void;
}

/** Builds, wires and starts the gateway. Throws `ConfigError` (every problem listed) on a bad config. */
export async function createGateway(opts: GatewayOptions = {}): Promise<RunningGateway> {
  const env = opts.env ?? process.env;
  const config = opts.config ?? loadConfig({ path: opts.configPath, env });
  const vault = new KeyVault();
  const json = opts.logger === true || opts.logger === undefined;
  const logging = json ? openProcessLogging({ config, env, vault, destination: opts.logStream }) : undefined;
  // Before the modules: the event store's appends are traced from the first one. Its own troubles
  // (a collector that does not answer) are told in the process's log.
  const tracing = startTracing({ service: 'switchboard-gateway', env, log: logging?.logger.child({ context: 'Tracing' }) });
  const graceMs = shutdownGraceMs(env);
  // No Nest middleware anywhere (hooks and routes do that work), so no middie: it would run on every request.
  const adapter = new FastifyAdapter({ bodyLimit: config.server.bodyLimitBytes, skipMiddie: true, clientErrorHandler: answerClientError });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot({ config, env, vault, ...(opts.clock ? { clock: opts.clock } : {}) }),
    adapter,
    {
      logger: logging ? logging.nest : (opts.logger as false | LogLevel[] | LoggerService),
      abortOnError: false,
    },
  );
  try {
    const fastify = app.getHttpAdapter().getInstance();
    // Before auth: its 401 carries the request id too.
    const inFlight = countRequestsInFlight(fastify);
    if (logging) app.get(RequestObservers).register(new RequestLog(logging.requestLines));
    // Tracing on (OTEL_EXPORTER_OTLP_ENDPOINT, or a test's exporter): each /v1 request's spans.
    if (activeTracer() !== undefined) app.get(RequestObservers).register(new RequestSpans());
    installRequestId(fastify);
    installJsonDepthLimit(app, config.server.bodyLimitBytes);
    const live = app.get(LiveConfig);
    // Before auth: a preflight carries no key, and a 401 must be readable by the page that got it.
    installCors(fastify, () => live.current.cors.origins);
    installAuth(fastify, config.auth, app.get(ClientKeysProjection), live);
    app.useGlobalFilters(new OpenAiExceptionFilter());
    // No enableShutdownHooks: Nest's would close the store under the requests in flight (see shutdown).
    setupSwagger(app);
    await serveConsole(app);
    // Loopback unless HOST says otherwise: the container image sets HOST=0.0.0.0.
    const host = opts.host ?? (env.HOST || '127.0.0.1');
    await app.listen({ port: opts.port ?? config.server.port, host });
    const { address, port } = app.getHttpServer().address() as AddressInfo;
    const bracket = (a: string) => (a.includes(':') ? `[${a}]` : a);
    const reachable = address === '0.0.0.0' || address === '::' ? '127.0.0.1' : address;
    const shutdown = async () => {
      const logger = new Logger('Shutdown');
      app.get(Readiness).drain();
      logger.log(`not ready; letting ${inFlight.count} request(s) in flight finish (up to ${graceMs} ms)`);
      if (!(await requestsFinished(inFlight, graceMs))) {
        logger.warn(`${inFlight.count} request(s) still in flight after ${graceMs} ms: closing them`);
        // Their sockets go now, so the relays abort their upstream calls and the close below is not held up.
        (app.getHttpServer() as Server).closeAllConnections();
      }
      await app.close();
      await tracing?.shutdown();
    };
    const url = `http://${bracket(reachable)}:${port}`;
    const bound = `${bracket(address)}:${port}`;
    new Logger('Switchboard').log(`listening on ${bound} (docs: ${url}/docs)`);
    // Listening already, so probes see the catch-up (readiness 503) instead of a refused connection.
    await app.get(KeySync).started;
    new Logger('Switchboard').log('started: projections caught up and keys synced');
    const close = async () => {
      await app.close();
      await tracing?.shutdown();
    };
    return { app, url, bound, close, shutdown, flushLogs: () => logging?.flush() };
  } catch (err) {
    await app.close().catch(() => undefined);
    await tracing?.shutdown();
    throw err;
  }
}

function setupSwagger(app: NestFastifyApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Switchboard')
      .setDescription(
        'OpenAI-compatible LLM gateway: one endpoint in front of many providers and keys, with event-sourced key and provider health.',
      )
      .setOpenAPIVersion('3.1.0')
      .setVersion('0.1.0')
      .addBearerAuth()
      .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key' }, 'x-api-key')
      .build(),
  );
  serveDocs(app, document);
}

if (require.main === module) {
  createGateway()
    .then((gateway) => {
      const stop = (signal: NodeJS.Signals) => {
        new Logger('Shutdown').log(`${signal}: shutting down`);
        gateway.shutdown().then(
          () => {
            gateway.flushLogs();
            process.exit(0);
          },
          (err: unknown) => {
            new Logger('Shutdown').error(`shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
            gateway.flushLogs();
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    })
    .catch((err: unknown) => {
      reportStartupFailure(err);
      process.exit(1);
    });
}
