import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { Logger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import type { NatsConnection } from '@nats-io/transport-node';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig, natsConnectOptions } from '@switchboard/config';
import { createEventStore, type EventStore } from '@switchboard/event-store';
import { toolSubjects, type ToolCatalog } from '@switchboard/react';
import { startTracing } from '@switchboard/telemetry';
import { natsRefusal } from '../gateway/core/nats-link';
import { Readiness } from '../gateway/health/readiness';
import { LiveTools, type ToolServerConfig } from './live-tools';
import { installMcpAuth } from './mcp/mcp-auth';
import { openProcessLogging } from '../gateway/logging';
import { ToolServerModule } from './tool-server.module';

export interface ToolServerOptions {
  /** NATS_URL: servers, comma-separated, credentials in the URL (see `natsConnectOptions`). */
  natsUrl: string;
  /** HTTP port of the MCP endpoint; 0 picks a free one. */
  port: number;
  host?: string;
  /** NATS subject prefix (default `switchboard.tools`). */
  subjectPrefix?: string;
  logger?: boolean | LogLevel[];
  /**
   * The event store whose config (`config-gateway`) the tool server follows: tools and MCP keys of
   * each revision, issued client keys. Without one it serves its file's config as read.
   */
  eventStoreUrl?: string;
  /** For `${VAR}` in the store's config documents (defaults to the process environment). */
  env?: NodeJS.ProcessEnv;
}

export interface RunningToolServer {
  /** `http://<host>:<port>`; MCP is at `${url}/mcp`. */
  url: string;
  /** The catalog in use now (a config revision that changes `tools` replaces it). */
  readonly catalog: ToolCatalog;
  app: NestFastifyApplication;
  close(): Promise<void>;
}

/**
 * The tool server: built-in tools and mounted MCP servers, served on NATS (request/reply,
 * queue group `switchboard-tools` so replicas share the load) and as MCP over Streamable HTTP,
 * behind the gateway's admin and client keys (loopback only when the config lists none), and
 * following the stored config when given a store.
 */
export async function createToolServer(config: ToolServerConfig, opts: ToolServerOptions): Promise<RunningToolServer> {
  // Omitted: JSON lines through pino (LOG_LEVEL, LOG_PRETTY), the config's credentials redacted.
  // A malformed NATS_URL refuses the start before anything is opened.
  const nats = natsConnectOptions(opts.natsUrl);
  const logging =
    opts.logger === undefined || opts.logger === true
      ? openProcessLogging({ config: { auth: config.auth ?? { clientKeys: [], adminKeys: [] }, tools: config.tools }, env: process.env })
      : undefined;
  // OTEL_EXPORTER_OTLP_ENDPOINT set: each tool call over NATS is a span in its caller's trace.
  const tracing = startTracing({ service: 'switchboard-tool-server', log: logging?.logger.child({ context: 'Tracing' }) });
  const tools = await LiveTools.open(config, opts.env ?? process.env);
  const store: EventStore | undefined = opts.eventStoreUrl ? createEventStore(opts.eventStoreUrl) : undefined;
  if (store) tools.follow(store);
  const subjects = toolSubjects(opts.subjectPrefix);
  const app = await NestFactory.create<NestFastifyApplication>(ToolServerModule.forRoot({ tools, subjects }), new FastifyAdapter(), {
    logger: logging ? logging.nest : (opts.logger as LogLevel[] | false),
    abortOnError: false,
  });
  installMcpAuth(app.getHttpAdapter().getInstance(), tools);
  try {
    const microservice = app.connectMicroservice<MicroserviceOptions>(
      {
        transport: Transport.NATS,
        options: {
          ...nats,
          queue: 'switchboard-tools',
          name: 'switchboard-tool-server',
          // Reconnecting forever, through refused credentials too (a rotation on the server): the
          // client would otherwise close for good (after 10 attempts, or 2 refusals in a row) while
          // the process lives on, alive to its liveness probe, never ready again and never restarted.
          maxReconnectAttempts: -1,
          ignoreAuthErrorAbort: true,
        },
      },
      { inheritAppConfig: true },
    );
    // Tool calls arrive over NATS only: without it this replica serves none of the gateway's calls.
    let natsStatus = 'connecting';
    let refusal: string | undefined;
    microservice.status.subscribe((status) => (natsStatus = status));
    app.get(Readiness).register({
      name: 'nats',
      required: true,
      check: () => (natsStatus === 'connected' ? { status: 'up' } : { status: 'down', message: refusal ? `NATS ${refusal}` : natsStatus }),
    });
    await app.startAllMicroservices();
    void (async () => {
      // Why it is not connected, as the gateway tells it: a server refusing the credentials since.
      for await (const status of microservice.unwrap<NatsConnection>().status()) {
        if (status.type === 'error') refusal = natsRefusal(status.error, nats) ?? refusal;
        else if (status.type === 'reconnect') refusal = undefined;
      }
    })();
    const host = opts.host ?? '0.0.0.0';
    await app.listen({ port: opts.port, host });
    const { port } = app.getHttpServer().address() as AddressInfo;
    const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
    return {
      url: `http://${shownHost}:${port}`,
      get catalog() {
        return tools.catalog;
      },
      app,
      close: async () => {
        await app.close();
        await tools.close();
        await store?.close();
        await tracing?.shutdown();
      },
    };
  } catch (error) {
    await app.close().catch(() => undefined);
    await tools.close();
    await store?.close();
    await tracing?.shutdown();
    throw error;
  }
}

async function main(): Promise<void> {
  const env = process.env;
  const config = loadConfig({ env });
  const server = await createToolServer(config, {
    natsUrl: env.NATS_URL || 'nats://127.0.0.1:4222',
    port: Number(env.TOOLS_PORT || 8081),
    host: env.HOST,
    subjectPrefix: env.NATS_TOOLS_PREFIX || undefined,
    // Beside the gateway's store it follows the stored config; alone, its file's.
    eventStoreUrl: env.EVENT_STORE_URL || undefined,
  });
  const logger = new Logger('ToolServer');
  logger.log(
    `tools: ${server.catalog
      .list()
      .map((t) => t.name)
      .join(', ')}`,
  );
  logger.log(`MCP at ${server.url}/mcp`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`switchboard tool server: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
