import type { LoggerService } from '@nestjs/common';
import { connect, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import { ConfigError } from '@switchboard/config';

/** The client's own defaults, used between first-connect attempts when a connection sets none. */
const RECONNECT_TIME_WAIT_MS = 2_000;
const RECONNECT_JITTER_MS = 100;

/**
 * A NATS connection the gateway can start without. NATS only degrades the gateway's service
 * (analytics, agents' tools), so a server that is not there yet must not stop chat from starting:
 * `open` makes one attempt, and when it fails warns once and keeps trying in the background with
 * the reconnect policy's wait (its own loop rather than the client's `waitOnFirstConnect`, whose
 * `connect()` resolves only once connected and gives no handle to stop it at shutdown). Once
 * connected, the client reconnects by itself as it is told.
 */
export class NatsLink {
  private current?: NatsConnection;
  private up = false;
  private closed = false;
  private lastError: unknown;
  private stopWaiting?: () => void;
  private readonly reconnected: Array<() => void> = [];
  private readonly connectedListeners: Array<(nc: NatsConnection) => void> = [];
  /** The servers as they may be logged (never credentials). */
  readonly shown: string;

  private constructor(
    private readonly servers: string[],
    private readonly options: ConnectionOptions,
    private readonly logger: LoggerService,
  ) {
    this.shown = servers.map(withoutCredentials).join(',');
  }

  /**
   * Connects, or, when the server does not answer, warns (what is degraded meanwhile: `meanwhile`)
   * and goes on connecting in the background. Throws a `ConfigError` for a malformed NATS_URL:
   * that is a mistake to fix, not an outage to wait out.
   */
  static async open(url: string, options: Omit<ConnectionOptions, 'servers'>, logger: LoggerService, meanwhile: string): Promise<NatsLink> {
    const link = new NatsLink(natsServers(url), options, logger);
    if (!(await link.attempt())) {
      const why = link.lastError instanceof Error ? link.lastError.message : String(link.lastError);
      logger.warn(`NATS at ${link.shown} is not reachable yet (${why}): ${meanwhile}; connecting in the background`);
      void link.retry();
    }
    return link;
  }

  /** The connection once the server answered (it may be disconnected since: see `isConnected`). */
  get connection(): NatsConnection | undefined {
    return this.current;
  }

  /** False before the first connect and between a disconnect and the reconnect. */
  get isConnected(): boolean {
    return this.up;
  }

  /** Called once, when the server first answers (at once when it already has). */
  onConnected(listener: (nc: NatsConnection) => void): void {
    if (this.current) listener(this.current);
    else this.connectedListeners.push(listener);
  }

  /** Called after each reconnect (a publisher resumes what it held). */
  onReconnect(listener: () => void): void {
    this.reconnected.push(listener);
  }

  /** Stops connecting; drains the connection when connected, closes it outright when its server is gone. */
  async close(): Promise<void> {
    this.closed = true;
    this.stopWaiting?.();
    const nc = this.current;
    if (!nc || nc.isClosed()) return;
    // A drain waits for a server that is gone, and the reconnect timers would keep the process alive.
    if (this.up) await nc.drain().catch(() => nc.close());
    else await nc.close();
  }

  private async attempt(): Promise<boolean> {
    let nc: NatsConnection;
    try {
      nc = await connect({ ...this.options, servers: this.servers });
    } catch (error) {
      this.lastError = error;
      return false;
    }
    // Closed while this attempt was under way (a shutdown during the outage).
    if (this.closed) {
      await nc.close();
      return true;
    }
    this.current = nc;
    this.up = true;
    void this.watch(nc);
    for (const listener of this.connectedListeners.splice(0)) listener(nc);
    return true;
  }

  private async retry(): Promise<void> {
    const { reconnectTimeWait = RECONNECT_TIME_WAIT_MS, reconnectJitter = RECONNECT_JITTER_MS } = this.options;
    while (!this.closed) {
      await this.pause(reconnectTimeWait + Math.floor(Math.random() * reconnectJitter));
      if (this.closed || (await this.attempt())) return;
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.stopWaiting = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async watch(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect' || status.type === 'close') this.up = false;
      else if (status.type === 'reconnect') {
        this.up = true;
        for (const listener of this.reconnected) listener();
      }
    }
  }
}

/**
 * NATS_URL's servers (comma-separated), each checked the way the client reads it: an optional
 * scheme, a host, an optional port. Throws a `ConfigError` naming each malformed one (credentials
 * masked).
 */
export function natsServers(url: string): string[] {
  const servers = url.split(',').map((s) => s.trim());
  const problems = servers.flatMap((server) => {
    const why = malformed(server);
    return why ? [`NATS_URL: ${JSON.stringify(masked(server))} ${why}`] : [];
  });
  if (problems.length > 0) throw new ConfigError('NATS_URL', problems);
  return servers;
}

function malformed(server: string): string | undefined {
  if (server === '') return 'is empty: expected nats://host:4222, several separated by commas';
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(server)?.[1].toLowerCase();
  if (scheme === 'ws' || scheme === 'wss') return 'is a websocket URL: the gateway speaks nats:// (or tls://)';
  let hostPort = scheme ? server.slice(scheme.length + 3) : server;
  // A bare IPv6 address (`::1`): the client brackets it.
  if (!hostPort.includes('[') && !hostPort.includes('@') && hostPort.split(':').length > 2) hostPort = `[${hostPort}]`;
  try {
    if (new URL(`nats://${hostPort}`).hostname === '') return 'names no host: expected nats://host:4222';
  } catch {
    return 'is not a server address: expected nats://host:4222';
  }
  return undefined;
}

/** A malformed URL may still hold a password: everything before its last `@` goes. */
function masked(server: string): string {
  return server.replace(/^([a-z][a-z0-9+.-]*:\/\/)?.*@/i, (_all, scheme: string | undefined) => `${scheme ?? ''}***@`);
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
