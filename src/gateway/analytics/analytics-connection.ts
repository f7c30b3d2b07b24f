import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, JetStreamApiError, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { AnalyticsConfig, AnalyticsStreamConfig } from '@switchboard/config';
import { withoutCredentials } from '../react/react-transport';
import { analyticsNames, eventsSubjects, requestsCompletedSubject, type AnalyticsNames } from './subjects';

/** JetStream's "stream not found". */
const STREAM_NOT_FOUND = 10059;

/**
 * The analytics connection to NATS: its own, reconnecting forever with backoff (a NATS outage
 * must never end publishing for good), apart from the ReAct tool bus's connection.
 */
export class AnalyticsConnection {
  private connected = true;
  private readonly reconnected: Array<() => void> = [];

  private constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    readonly names: AnalyticsNames,
  ) {
    void this.watch();
  }

  /** Connects (refusing to start when the server is unreachable, like the tool bus does). */
  static async open(url: string, env: NodeJS.ProcessEnv): Promise<AnalyticsConnection> {
    const names = analyticsNames(env);
    const servers = url.split(',').map((s) => s.trim());
    const nc = await connect({
      servers,
      name: 'switchboard-analytics',
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      reconnectJitter: 250,
      // Every JetStream publish is a request: with async traces each one captures two stack traces
      // (an Error made in advance for a timeout and one for a failure), 300k instructions a message.
      noAsyncTraces: true,
    }).catch((error: unknown) => {
      const shown = servers.map(withoutCredentials).join(',');
      throw new Error(`NATS_URL ${shown}: cannot connect (${error instanceof Error ? error.message : String(error)})`);
    });
    const jsm = await jetstreamManager(nc);
    return new AnalyticsConnection(nc, jetstream(nc), jsm, names);
  }

  /** False between a disconnect and the reconnect: finished requests are then buffered or dropped. */
  get isConnected(): boolean {
    return this.connected && !this.nc.isClosed();
  }

  /** Called after each reconnect (a publisher resumes what it held). */
  onReconnect(listener: () => void): void {
    this.reconnected.push(listener);
  }

  /** Creates both streams when absent (an existing stream's settings are the operator's). */
  async ensureStreams(config: AnalyticsConfig): Promise<void> {
    await this.ensureStream(this.names.eventsStream, [eventsSubjects(this.names.subjectPrefix)], config.eventsStream, {
      duplicate_window: nanos(config.eventsStream.duplicateWindowMs),
      description: 'Switchboard domain events, each once, Nats-Msg-Id = event id',
    });
    await this.ensureStream(this.names.requestsStream, [requestsCompletedSubject(this.names.subjectPrefix)], config.requestsStream, {
      description: 'Switchboard finished /v1 requests',
    });
  }

  /** Drains what is in flight when connected; a connection whose server is gone is closed outright. */
  async close(): Promise<void> {
    if (this.nc.isClosed()) return;
    if (!this.connected) return this.nc.close();
    await this.nc.drain().catch(() => this.nc.close());
  }

  /** True when `err` says the stream does not exist (deleted, or a server that lost its store). */
  static isStreamNotFound(err: unknown): boolean {
    return err instanceof JetStreamApiError && err.code === STREAM_NOT_FOUND;
  }

  private async ensureStream(
    name: string,
    subjects: string[],
    limits: AnalyticsStreamConfig,
    extra: { duplicate_window?: number; description: string },
  ): Promise<void> {
    try {
      await this.jsm.streams.info(name);
      return;
    } catch (err) {
      if (!AnalyticsConnection.isStreamNotFound(err)) throw err;
    }
    try {
      await this.jsm.streams.add({ name, subjects, max_age: nanos(limits.maxAgeMs), max_bytes: limits.maxBytes, ...extra });
    } catch (err) {
      // Another replica created it first: fine, as long as it is there now.
      await this.jsm.streams.info(name).catch(() => {
        throw err;
      });
    }
  }

  private async watch(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (status.type === 'disconnect') this.connected = false;
      else if (status.type === 'reconnect') {
        this.connected = true;
        for (const listener of this.reconnected) listener();
      }
    }
  }
}
