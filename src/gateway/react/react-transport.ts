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

/**
 * A tool call's answer while NATS is not connected: the tool server is unavailable, as when nobody
 * listens, and why (`trouble` from the link: not reachable, or refusing NATS_URL's credentials).
 */
export function natsUnavailable(trouble: string): string {
  return `tool server unavailable: NATS ${trouble}`;
}

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
      `agents' tool calls fail ("tool server unavailable") and ReAct steps are not published until it is`,
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

/**
 * The tool server over a link: `NatsToolBus` while connected, the outage's answer (with its reason)
 * otherwise. Not waiting for a reconnect: a server refusing the credentials may refuse for long, and
 * the call would only time out, saying nothing of why.
 */
class LinkedToolBus implements ToolBus {
  private bus?: NatsToolBus;

  constructor(
    private readonly link: NatsLink,
    private readonly subjectPrefix: string | undefined,
  ) {}

  list(): Promise<ToolDescriptor[]> {
    const bus = this.overNats();
    return bus ? bus.list() : Promise.reject(new Error(this.unavailable()));
  }

  call(name: string, input: unknown, opts: ToolCallOptions): Promise<ToolResult> {
    const bus = this.overNats();
    return bus ? bus.call(name, input, opts) : Promise.resolve({ error: this.unavailable() });
  }

  close(): Promise<void> {
    return this.link.close();
  }

  private overNats(): NatsToolBus | undefined {
    const nc = this.link.connection;
    if (!nc || !this.link.isConnected) return undefined;
    return (this.bus ??= new NatsToolBus(nc, { subjectPrefix: this.subjectPrefix }));
  }

  private unavailable(): string {
    return natsUnavailable(this.link.trouble ?? 'is not reachable');
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
        if (!nc || !link.isConnected) return { status: 'down', message: `NATS ${link.trouble}: agents' tool calls fail meanwhile` };
        // A round trip: a connection that went silent without a disconnect yet shows as a timeout.
        await nc.flush();
        return { status: 'up' };
      },
    });
  }
}
