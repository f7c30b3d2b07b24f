import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { GatewayConfig } from '@switchboard/config';
import {
  InProcessToolBus,
  NatsStepPublisher,
  NatsToolBus,
  noopStepPublisher,
  openToolCatalog,
  type StepPublisher,
  type ToolBus,
  type ToolCallOptions,
  type ToolDescriptor,
  type ToolResult,
} from '@switchboard/react';
import { NatsLink } from '../core/nats-link';
import { Readiness } from '../health/readiness';
import { analyticsNames, reactStepsSubject } from '../analytics/subjects';

export const REACT_TRANSPORT = Symbol('ReactTransport');

/** How sessions reach tools and where their steps are published: one choice, made at start. */
export interface ReactTransport {
  bus: ToolBus;
  publisher: StepPublisher;
  /** The NATS connection both use, when NATS_URL is set (readiness reports it). */
  nats?: NatsLink;
}

/** A tool call's answer before NATS was ever reached: the tool server is unavailable, as when nobody listens. */
export const NATS_NOT_REACHED = 'tool server unavailable: NATS is not reachable yet';

/**
 * With `NATS_URL`: tools on the tool server over NATS request/reply, and each step published, on
 * one connection (`NATS_TOOLS_PREFIX` picks the tool subjects, as it does for the tool server;
 * steps go under `NATS_SUBJECT_PREFIX`, beside the other analytics subjects). A NATS server that is
 * not there at start does not stop the gateway: until it is reached, tool calls fail the way they
 * do when the tool server is away, and steps are not published.
 * Without: the tool server's own catalog (built-ins and mounted MCP servers) runs in-process and
 * nothing is published, so `npm start` alone serves agents.
 */
export async function openReactTransport(config: GatewayConfig, env: NodeJS.ProcessEnv): Promise<ReactTransport> {
  const logger = new Logger('ReAct');
  if (env.NATS_URL) {
    const { subjectPrefix } = analyticsNames(env);
    // Reconnecting forever, like the analytics connection: an outage must not end tool calls for good.
    const link = await NatsLink.open(
      env.NATS_URL,
      { name: 'switchboard-gateway', maxReconnectAttempts: -1 },
      logger,
      `agents' tool calls fail ("${NATS_NOT_REACHED}") and ReAct steps are not published until it is`,
    );
    link.onConnected(() => logger.log(`tools over NATS at ${link.shown}; steps published on ${reactStepsSubject(subjectPrefix)}`));
    const toolsPrefix = env.NATS_TOOLS_PREFIX || undefined;
    return { bus: new LinkedToolBus(link, toolsPrefix), publisher: new LinkedStepPublisher(link, subjectPrefix), nats: link };
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

/** The tool server over a link: `NatsToolBus` once NATS was reached, the outage's answer before. */
class LinkedToolBus implements ToolBus {
  private bus?: NatsToolBus;

  constructor(
    private readonly link: NatsLink,
    private readonly subjectPrefix: string | undefined,
  ) {}

  list(): Promise<ToolDescriptor[]> {
    const bus = this.overNats();
    return bus ? bus.list() : Promise.reject(new Error(NATS_NOT_REACHED));
  }

  call(name: string, input: unknown, opts: ToolCallOptions): Promise<ToolResult> {
    const bus = this.overNats();
    return bus ? bus.call(name, input, opts) : Promise.resolve({ error: NATS_NOT_REACHED });
  }

  close(): Promise<void> {
    return this.link.close();
  }

  private overNats(): NatsToolBus | undefined {
    const nc = this.link.connection;
    return nc && (this.bus ??= new NatsToolBus(nc, { subjectPrefix: this.subjectPrefix }));
  }
}

/** Steps on NATS once it was reached; before, none (publishing is best effort, the store has the facts). */
class LinkedStepPublisher implements StepPublisher {
  private steps?: NatsStepPublisher;

  constructor(
    private readonly link: NatsLink,
    private readonly subjectPrefix: string,
  ) {}

  publish(sessionId: string, type: string, payload: Record<string, unknown>): void {
    const nc = this.link.connection;
    if (nc) (this.steps ??= new NatsStepPublisher(nc, this.subjectPrefix)).publish(sessionId, type, payload);
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
    const link = this.transport.nats;
    if (!link) return;
    this.readiness.register({
      name: 'nats',
      required: false,
      check: async () => {
        const nc = link.connection;
        if (!nc) return { status: 'down', message: `NATS ${link.trouble}: agents' tool calls fail meanwhile` };
        if (nc.isClosed()) return { status: 'down', message: 'connection closed' };
        // A round trip: while disconnected the client holds the PING until it reconnects, so the check times out.
        await nc.flush();
        return { status: 'up' };
      },
    });
  }
}
