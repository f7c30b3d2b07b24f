import { connect, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { natsConnectOptions } from '@switchboard/config';
import { createEventStore, type RecordedEvent } from '@switchboard/event-store';
import { NATS_URL } from '../react/support/nats';
import { analyticsPrefixes as ownPrefixes, deleteStreams } from '../support/start-gateway';

export { describeWithNats, NATS_URL } from '../react/support/nats';

/** Subject and stream prefixes of a test's own, so suites on the shared NATS never see each other. */
export function analyticsPrefixes(): { subjectPrefix: string; streamPrefix: string; env: NodeJS.ProcessEnv } {
  const env = ownPrefixes();
  return { subjectPrefix: env.NATS_SUBJECT_PREFIX, streamPrefix: env.NATS_STREAM_PREFIX, env };
}

export interface NatsProbe {
  nc: NatsConnection;
  jsm: JetStreamManager;
  /** Every message of a stream, through a durable consumer created now (acked, each once). */
  consumeAll<T = Record<string, unknown>>(
    stream: string,
    durable?: string,
  ): Promise<Array<{ subject: string; msgId?: string; data: T; raw: string }>>;
  /** Deletes the streams of a prefix (the test's cleanup) and closes. */
  close(streamPrefix: string): Promise<void>;
}

export async function natsProbe(url = NATS_URL): Promise<NatsProbe> {
  const nc = await connect(natsConnectOptions(url));
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  return {
    nc,
    jsm,
    async consumeAll<T>(stream: string, durable = `probe_${Math.random().toString(36).slice(2, 8)}`) {
      await jsm.consumers.add(stream, { durable_name: durable, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All });
      const consumer = await js.consumers.get(stream, durable);
      const out: Array<{ subject: string; msgId?: string; data: T; raw: string }> = [];
      for (;;) {
        const { num_pending } = await consumer.info();
        if (num_pending === 0) break;
        const batch = await consumer.fetch({ max_messages: 500, expires: 2_000 });
        for await (const m of batch) {
          out.push({ subject: m.subject, msgId: m.headers?.get('Nats-Msg-Id') || undefined, data: m.json<T>(), raw: m.string() });
          m.ack();
        }
      }
      return out;
    },
    async close(streamPrefix: string) {
      await deleteStreams(url, streamPrefix);
      await nc.close();
    },
  };
}

/** Every event of a SQLite store, in global order. */
export async function storeEvents(storePath: string): Promise<RecordedEvent[]> {
  const store = createEventStore(`sqlite:${storePath}`);
  const out: RecordedEvent[] = [];
  for await (const e of store.readAll()) out.push(e);
  await store.close();
  return out;
}

/** The gateway's config for one `openai` profile `burst` on a scripted upstream, alias `main`. */
export function upstreamConfig(baseUrl: string, keys: string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    keeper: { enabled: true, probe_interval_ms: 3_600_000, restore_check_ms: 50 },
    routing: { retries: { max_attempts: 1 } },
    providers: { burst: { type: 'openai', base_url: baseUrl, keys, timeout_ms: 2_000, connect_timeout_ms: 2_000 } },
    models: { main: { chain: [{ provider: 'burst', model: 'gpt-4o' }] } },
    ...extra,
  };
}

export async function chat(url: string, body: Record<string, unknown> = {}): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }], ...body }),
  });
}
