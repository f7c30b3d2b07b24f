import type { LoggerService } from '@nestjs/common';
import { connect, errors, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import { natsConnectOptions, type NatsConnectOptions } from '@switchboard/config';

/** The client's own defaults, used between first-connect attempts when a connection sets none. */
const RECONNECT_TIME_WAIT_MS = 2_000;
const RECONNECT_JITTER_MS = 100;

/**
 * A NATS connection the gateway can start without. NATS only degrades the gateway's service
 * (analytics, agents' tools), so a server that is not there yet must not stop chat from starting:
 * `open` makes one attempt, and when it fails warns once and keeps trying in the background with
 * the reconnect policy's wait (its own loop rather than the client's `waitOnFirstConnect`, whose
 * `connect()` resolves only once connected and gives no handle to stop it at shutdown). Once
 * connected, the client reconnects by itself as it is told, through refused credentials too: by
 * default it closes for good after two refusals in a row, so a credential rotation on the server
 * (refusing until NATS_URL's credentials are valid again) would end analytics and tools until a restart.
 */
export class NatsLink {
  private current?: NatsConnection;
  private up = false;
  private closed = false;
  private lastError: unknown;
  /** The trouble last warned about, so a change (reachable now, but refusing the credentials) is told too. */
  private warned?: string;
  private stopWaiting?: () => void;
  private readonly reconnected: Array<() => void> = [];
  private readonly connectedListeners: Array<(nc: NatsConnection) => void> = [];
  /** The servers as they may be logged (never credentials). */
  readonly shown: string;

  private constructor(
    private readonly target: NatsConnectOptions,
    private readonly options: ConnectionOptions,
    private readonly logger: LoggerService,
    private readonly meanwhile: string,
  ) {
    this.shown = target.servers.join(',');
  }

  /**
   * Connects, or, when the server does not answer or refuses the credentials, warns (what is
   * degraded meanwhile: `meanwhile`) and goes on connecting in the background. Throws a
   * `ConfigError` for a malformed NATS_URL: that is a mistake to fix, not an outage to wait out.
   */
  static async open(
    url: string,
    options: Omit<ConnectionOptions, 'servers' | 'user' | 'pass' | 'token' | 'ignoreAuthErrorAbort'>,
    logger: LoggerService,
    meanwhile: string,
  ): Promise<NatsLink> {
    const link = new NatsLink(natsConnectOptions(url), options, logger, meanwhile);
    if (!(await link.attempt())) {
      link.warn();
      void link.retry();
    }
    return link;
  }

  /**
   * Why there is no connection (not yet, or not since a disconnect), in words safe to show anyone
   * (readiness, logs, tool calls' answers): a server that refuses the credentials is told apart from
   * one that is not there. Undefined while connected.
   */
  get trouble(): string | undefined {
    if (this.up) return undefined;
    return natsRefusal(this.lastError, this.target) ?? (this.current ? 'is not reachable' : 'is not reachable yet');
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
      nc = await connect({ ...this.options, ...this.target, ignoreAuthErrorAbort: true });
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
    this.lastError = undefined;
    this.warned = undefined;
    void this.watch(nc);
    for (const listener of this.connectedListeners.splice(0)) listener(nc);
    return true;
  }

  private async retry(): Promise<void> {
    const { reconnectTimeWait = RECONNECT_TIME_WAIT_MS, reconnectJitter = RECONNECT_JITTER_MS } = this.options;
    while (!this.closed) {
      await this.pause(reconnectTimeWait + Math.floor(Math.random() * reconnectJitter));
      if (this.closed || (await this.attempt())) return;
      if (this.trouble !== this.warned) this.warn();
    }
  }

  /** One warning per kind of trouble, not one per attempt. */
  private warn(): void {
    this.warned = this.trouble;
    const error = this.lastError;
    const why = error === undefined ? '' : ` (${error instanceof Error ? error.message : String(error)})`;
    this.logger.warn(`NATS at ${this.shown} ${this.warned}${why}: ${this.meanwhile}; connecting in the background`);
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

  /**
   * Follows the connection: a disconnect (the server gone, or refusing the credentials it took
   * before) is warned about once per kind of trouble, as at the first connect, and its end told.
   */
  private async watch(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === 'error' && natsRefusal(status.error, this.target)) this.lastError = status.error;
      else if (status.type === 'disconnect' || status.type === 'close') this.up = false;
      else if (status.type === 'reconnect') {
        this.up = true;
        this.lastError = undefined;
        if (this.warned !== undefined) this.logger.log(`NATS at ${this.shown} reconnected`);
        this.warned = undefined;
        for (const listener of this.reconnected) listener();
      }
      if (!this.up && !this.closed && this.trouble !== this.warned) this.warn();
    }
  }
}

/**
 * When `error` is the server refusing the credentials (wrong, missing or expired) rather than not
 * answering, that in words safe to show (after "NATS "); undefined for any other error.
 */
export function natsRefusal(error: unknown, target: NatsConnectOptions): string | undefined {
  if (!(error instanceof errors.AuthorizationError || error instanceof errors.UserAuthenticationExpiredError)) return undefined;
  const given = target.user !== undefined || target.token !== undefined;
  return given ? 'refuses the credentials in NATS_URL' : 'asks for credentials NATS_URL does not carry';
}
