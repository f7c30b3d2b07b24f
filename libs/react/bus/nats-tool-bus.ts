import { randomUUID } from 'node:crypto';
import { errors, headers, type NatsConnection, type RequestOptions } from '@nats-io/transport-node';
import { activeTracer, injectTraceContext } from '@switchboard/telemetry';
import { messageOf, untilAborted } from '../abort';
import type { StepPublisher, ToolBus, ToolCallOptions, ToolDescriptor, ToolResult } from '../ports';
import { reactStepSubject, toolSubjects, type ToolCallRequest, type ToolSubjects } from './subjects';

/** What a Nest `@MessagePattern` handler answers: `{ response }` or `{ err }`, tagged with the request id. */
interface NestReply {
  id?: string;
  response?: unknown;
  err?: unknown;
  isDisposed?: boolean;
}

/**
 * Tools on the tool server, over NATS request/reply. Requests are framed the way
 * @nestjs/microservices' NATS transport expects (`{ pattern, data, id }`, JSON), so the server is
 * a plain Nest microservice; the gateway needs no Nest client for it.
 */
export class NatsToolBus implements ToolBus {
  private readonly subjects: ToolSubjects;

  constructor(
    private readonly nc: NatsConnection,
    private readonly opts: { subjectPrefix?: string; listTimeoutMs?: number; ownsConnection?: boolean } = {},
  ) {
    this.subjects = toolSubjects(opts.subjectPrefix);
  }

  async list(): Promise<ToolDescriptor[]> {
    return (await this.request(this.subjects.list, {}, this.opts.listTimeoutMs ?? 5000)) as ToolDescriptor[];
  }

  async call(name: string, input: unknown, opts: ToolCallOptions): Promise<ToolResult> {
    const body: ToolCallRequest = { name, input, timeoutMs: opts.timeoutMs, depth: opts.depth, sessionId: opts.sessionId };
    try {
      // A little longer than the tool's own deadline, so the server's timeout message wins the race.
      return (await this.request(this.subjects.call, body, opts.timeoutMs + 1000, opts.signal)) as ToolResult;
    } catch (error) {
      if (error instanceof errors.TimeoutError) return { error: `${name} timed out after ${opts.timeoutMs} ms` };
      if (error instanceof errors.RequestError && error.isNoResponders()) {
        return { error: 'tool server unavailable: nobody listens on NATS' };
      }
      if (opts.signal?.aborted) return { error: `${name} was cancelled` };
      return { error: `${name} failed on the tool server: ${messageOf(error)}` };
    }
  }

  async close(): Promise<void> {
    if (!this.opts.ownsConnection || this.nc.isClosed()) return;
    // Drain flushes what is pending; it refuses while the server is gone, and then reconnect timers
    // would keep the process alive: close outright.
    await this.nc.drain().catch(() => this.nc.close());
  }

  private async request(subject: string, data: unknown, timeout: number, signal?: AbortSignal): Promise<unknown> {
    const options: RequestOptions = { timeout };
    // Traced: the tool server's spans join the caller's trace through the message's headers.
    if (activeTracer() !== undefined) {
      const traceHeaders = headers();
      injectTraceContext((name, value) => traceHeaders.set(name, value));
      options.headers = traceHeaders;
    }
    const pending = this.nc.request(subject, JSON.stringify({ pattern: subject, data, id: randomUUID() }), options);
    const msg = signal ? await untilAborted(pending, signal) : await pending;
    const reply = msg.json<NestReply>();
    if (reply.err !== undefined && reply.err !== null) {
      throw new Error(typeof reply.err === 'string' ? reply.err : JSON.stringify(reply.err));
    }
    return reply.response;
  }
}

/** Publishes each step on `<prefix>.react.<sessionId>.<type>` (`switchboard` by default) with `sessionId` in the payload. */
export class NatsStepPublisher implements StepPublisher {
  constructor(
    private readonly nc: NatsConnection,
    private readonly subjectPrefix?: string,
  ) {}

  publish(sessionId: string, type: string, payload: Record<string, unknown>): void {
    if (this.nc.isClosed()) return;
    try {
      this.nc.publish(reactStepSubject(sessionId, type, this.subjectPrefix), JSON.stringify({ ...payload, sessionId }));
    } catch {
      // Publishing is best effort for downstream subscribers; the event store has the facts.
    }
  }
}
