import { createInbox, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';

/**
 * JetStream publishes acknowledged through one subscription: each message goes out as a plain
 * publish whose reply subject is `<inbox>.<n>`, where JetStream's acknowledgement (or refusal)
 * comes back. The client library's `js.publish` makes every message a request of its own (a
 * promise, a timer, a headers object, a muxed reply): 83k instructions a message more than a plain
 * publish, on the gateway's one event loop. Here it is a map entry, and one timer sweeps what was
 * not acknowledged in time.
 */
export class AckedPublishes {
  private readonly inbox = createInbox();
  /** When each message awaiting its acknowledgement was sent, in the order sent. */
  private readonly sentAt = new Map<number, number>();
  private sent = 0;
  private readonly subscription: Subscription;
  private readonly sweep: NodeJS.Timeout;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs: number,
    /** Told once per message: acknowledged, or refused or unanswered in time (with why). */
    private readonly settled: (ok: boolean, error?: Error) => void,
  ) {
    // An error on the subscription itself (a permission) leaves the messages to time out, counted.
    this.subscription = nc.subscribe(`${this.inbox}.*`, {
      callback: (error, msg) => {
        if (!error) this.acknowledged(msg);
      },
    });
    this.sweep = setInterval(() => this.expire(), Math.min(1_000, timeoutMs));
    this.sweep.unref();
  }

  /** Messages sent and not settled yet. */
  get inFlight(): number {
    return this.sentAt.size;
  }

  publish(subject: string, data: string): void {
    const n = ++this.sent;
    this.sentAt.set(n, Date.now());
    // Bytes from Buffer's pool: the client would encode a string with a TextEncoder, a new
    // ArrayBuffer each time, at three times the cost.
    this.nc.publish(subject, Buffer.from(data), { reply: `${this.inbox}.${n}` });
  }

  close(): void {
    clearInterval(this.sweep);
    this.subscription.unsubscribe();
  }

  private acknowledged(msg: Msg): void {
    // Settled already when it timed out: a late acknowledgement changes nothing.
    if (!this.sentAt.delete(Number(msg.subject.slice(this.inbox.length + 1)))) return;
    const refused = refusal(msg);
    if (refused === undefined) this.settled(true);
    else this.settled(false, new Error(refused));
  }

  private expire(): void {
    const before = Date.now() - this.timeoutMs;
    for (const [n, at] of this.sentAt) {
      if (at > before) return;
      this.sentAt.delete(n);
      this.settled(false, new Error(`no acknowledgement within ${this.timeoutMs} ms`));
    }
  }
}

const ERROR_KEY = Buffer.from('"error"');

/** Why JetStream did not store the message, or undefined when it did (`{"stream":…,"seq":…}`). */
function refusal(msg: Msg): string | undefined {
  // A status without a body: 503, no stream takes the subject.
  if (msg.data.length === 0) return msg.headers?.description || `no stream answered (${msg.headers?.code ?? 'no status'})`;
  // An acknowledgement comes for every message: one without "error" anywhere is not parsed.
  if (Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.length).indexOf(ERROR_KEY) === -1) return undefined;
  try {
    const ack = msg.json<{ error?: { description?: string } }>();
    return ack.error ? (ack.error.description ?? 'refused by JetStream') : undefined;
  } catch {
    return 'an acknowledgement that is not JSON';
  }
}
