import type { LoggerService } from '@nestjs/common';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, JetStreamApiError, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { AnalyticsConfig, AnalyticsStreamConfig } from '@switchboard/config';
import { NatsLink } from '../core/nats-link';
import { analyticsNames, eventsSubjects, requestsCompletedSubject, type AnalyticsNames } from './subjects';

/** JetStream's "stream not found". */
const STREAM_NOT_FOUND = 10059;

/** The analytics connection's options: apart from the tool bus's, reconnecting forever with backoff. */
const CONNECTION = {
  name: 'switchboard-analytics',
  // A NATS outage must never end publishing for good.
  maxReconnectAttempts: -1,
  reconnectTimeWait: 500,
  reconnectJitter: 250,
  // Every JetStream publish is a request: with async traces each one captures two stack traces
  // (an Error made in advance for a timeout and one for a failure), 300k instructions a message.
  noAsyncTraces: true,
};

/** JetStream over the analytics connection to NATS, once that connection reached its server. */
export class AnalyticsConnection {
  private constructor(
    private readonly link: NatsLink,
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    readonly names: AnalyticsNames,
  ) {}

  /**
   * Opens the analytics connection: at once, or, when NATS is not reachable yet, in the background
   * (see `NatsLink`). Throws only for a malformed NATS_URL.
   */
  static open(url: string, logger: LoggerService, meanwhile: string): Promise<NatsLink> {
    return NatsLink.open(url, CONNECTION, logger, meanwhile);
  }

  /** JetStream on the link's connection, without a round trip: a server without JetStream shows in the first call. */
  static async over(link: NatsLink, nc: NatsConnection, env: NodeJS.ProcessEnv): Promise<AnalyticsConnection> {
    const jsm = await jetstreamManager(nc, { checkAPI: false });
    return new AnalyticsConnection(link, nc, jetstream(nc), jsm, analyticsNames(env));
  }

  /** False between a disconnect and the reconnect: finished requests are then buffered or dropped. */
  get isConnected(): boolean {
    return this.link.isConnected;
  }

  /** Called after each reconnect (a publisher resumes what it held). */
  onReconnect(listener: () => void): void {
    this.link.onReconnect(listener);
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
}
