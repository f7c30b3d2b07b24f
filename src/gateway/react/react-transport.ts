import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { GatewayConfig } from '@switchboard/config';
import {
  InProcessToolBus,
  NatsStepPublisher,
  NatsToolBus,
  noopStepPublisher,
  openToolCatalog,
  type StepPublisher,
  type ToolBus,
} from '@switchboard/react';
import { Readiness } from '../health/readiness';
import { analyticsNames, reactStepsSubject } from '../analytics/subjects';

export const REACT_TRANSPORT = Symbol('ReactTransport');

/** How sessions reach tools and where their steps are published: one choice, made at start. */
export interface ReactTransport {
  bus: ToolBus;
  publisher: StepPublisher;
  /** The NATS connection both use, when NATS_URL is set (readiness reports it). */
  nats?: NatsConnection;
}

/**
 * With `NATS_URL`: tools on the tool server over NATS request/reply, and each step published, on
 * one connection (`NATS_TOOLS_PREFIX` picks the tool subjects, as it does for the tool server;
 * steps go under `NATS_SUBJECT_PREFIX`, beside the other analytics subjects).
 * Without: the tool server's own catalog (built-ins and mounted MCP servers) runs in-process and
 * nothing is published, so `npm start` alone serves agents.
 */
export async function openReactTransport(config: GatewayConfig, env: NodeJS.ProcessEnv): Promise<ReactTransport> {
  const logger = new Logger('ReAct');
  if (env.NATS_URL) {
    const servers = env.NATS_URL.split(',').map((s) => s.trim());
    const server = servers.map(withoutCredentials).join(',');
    const nc = await connect({ servers, name: 'switchboard-gateway' }).catch((error: unknown) => {
      throw new Error(`NATS_URL ${server}: cannot connect (${error instanceof Error ? error.message : String(error)})`);
    });
    const { subjectPrefix } = analyticsNames(env);
    logger.log(`tools over NATS at ${server}; steps published on ${reactStepsSubject(subjectPrefix)}`);
    return {
      bus: new NatsToolBus(nc, { subjectPrefix: env.NATS_TOOLS_PREFIX || undefined, ownsConnection: true }),
      publisher: new NatsStepPublisher(nc, subjectPrefix),
      nats: nc,
    };
  }
  const catalog = await openToolCatalog(config.tools, new Logger('McpMounts'));
  logger.log(
    `tools in-process (no NATS_URL): ${catalog
      .list()
      .map((t) => t.name)
      .join(', ')}`,
  );
  return { bus: new InProcessToolBus(catalog), publisher: noopStepPublisher };
}

/** A NATS URL may carry a user and password: only its host is ever logged. */
export function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url.includes('://') ? url : `nats://${url}`);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return '(unparsable NATS_URL)';
  }
}

/** Drains the NATS connection (or closes the MCP mounts) once the sessions have stopped. */
@Injectable()
export class ReactTransportCloser implements OnApplicationShutdown {
  constructor(@Inject(REACT_TRANSPORT) private readonly transport: ReactTransport) {}

  async onApplicationShutdown(): Promise<void> {
    await this.transport.bus.close();
  }
}

/**
 * NATS, when configured, shows in readiness as degraded (never 503) when it does not answer: chat
 * and embeddings still route without it; agents' tool calls and step publishing wait for it.
 */
@Injectable()
export class NatsReadinessCheck implements OnModuleInit {
  constructor(
    @Inject(REACT_TRANSPORT) private readonly transport: ReactTransport,
    private readonly readiness: Readiness,
  ) {}

  onModuleInit(): void {
    const nc = this.transport.nats;
    if (!nc) return;
    this.readiness.register({
      name: 'nats',
      required: false,
      check: async () => {
        if (nc.isClosed()) return { status: 'down', message: 'connection closed' };
        // A round trip: while disconnected the client holds the PING until it reconnects, so the check times out.
        await nc.flush();
        return { status: 'up' };
      },
    });
  }
}
