import { randomBytes } from 'node:crypto';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { TracingLog } from './export-diagnostics';

export { SpanKind, SpanStatusCode, type Attributes, type Context, type Span };
export type { TracingLog };

/** What `startTracing` returns: flush before exit, shut down at the end. */
export interface TracingHandle {
  /** Exports the spans still queued. */
  flush(): Promise<void>;
  /** Flushes and turns tracing off for the process (the last holder's call does). */
  shutdown(): Promise<void>;
}

export interface StartTracingOptions {
  /** `service.name` unless `OTEL_SERVICE_NAME` says otherwise. */
  service: string;
  env?: NodeJS.ProcessEnv;
  /** Spans go here instead of OTLP (tests: an in-memory exporter), each as it ends. */
  exporter?: SpanExporter;
  /**
   * The process's log: OpenTelemetry's warnings and errors, and a failing export to the collector
   * (once, then at most once a minute, and once more when it works again), without the collector's
   * header values. Without it they go nowhere.
   */
  log?: TracingLog;
}

interface Active {
  tracer: Tracer;
  ids: PresetIds;
  holders: number;
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Ids handed to the next span the SDK starts (see `startSpanWithIds`); random otherwise. */
export interface PresetIds {
  traceId: string | undefined;
  spanId: string | undefined;
}

let active: Active | undefined;

/**
 * Turns tracing on for the process when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, or an exporter is given; `undefined` otherwise.
 * The SDK is imported only then: a process without tracing never loads it, and the request path
 * pays one `activeTracer()` check. Started twice in one process (replicas in a test), the first
 * provider serves both.
 */
export function startTracing(opts: StartTracingOptions): TracingHandle | undefined {
  const env = opts.env ?? process.env;
  const url = tracesEndpoint(env);
  if (!opts.exporter && (url === undefined || env.OTEL_SDK_DISABLED === 'true')) return undefined;
  const held = (active ??= {
    ...loadSdk().openTracerProvider({ service: env.OTEL_SERVICE_NAME || opts.service, url, exporter: opts.exporter, log: opts.log, env }),
    holders: 0,
  });
  held.holders++;
  let released = false;
  return {
    flush: () => held.flush(),
    shutdown: async () => {
      if (released) return;
      released = true;
      if (--held.holders > 0) return;
      if (active === held) active = undefined;
      await held.shutdown();
    },
  };
}

/** The SDK, loaded on first use only (as the EventStoreDB client is): a static import would load it in every process. */
function loadSdk(): typeof import('./otel-sdk') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./otel-sdk') as typeof import('./otel-sdk');
}

/** Where spans are posted: the traces endpoint as given, or the base endpoint's `/v1/traces`. */
function tracesEndpoint(env: NodeJS.ProcessEnv): string | undefined {
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined;
}

/** The tracer when tracing is on; `undefined` is the cue to skip every span. */
export function activeTracer(): Tracer | undefined {
  return active?.tracer;
}

/**
 * Runs `work` inside a span that is the active one for everything `work` awaits, ending it when
 * `work` settles (an error status and the exception when it throws). Without tracing it is just
 * `work(undefined)`.
 */
export function inSpan<T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Attributes },
  work: (span: Span | undefined) => Promise<T>,
  parent?: Context,
): Promise<T> {
  const tracer = active?.tracer;
  if (!tracer) return work(undefined);
  return tracer.startActiveSpan(name, options, parent ?? context.active(), async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * Starts a span whose ids were chosen before (a span id already sent to an upstream in its
 * `traceparent`, a trace id already in a log line), with explicit times: spans of the request path
 * are built from its record once it has finished. `traceId` only counts for a root span.
 */
export function startSpanWithIds(
  name: string,
  options: { kind: SpanKind; attributes?: Attributes; startTime: number },
  parent: Context,
  ids: { traceId?: string; spanId: string },
): Span | undefined {
  if (!active) return undefined;
  active.ids.traceId = ids.traceId;
  active.ids.spanId = ids.spanId;
  try {
    return active.tracer.startSpan(name, options, parent);
  } finally {
    active.ids.traceId = undefined;
    active.ids.spanId = undefined;
  }
}

/** A parent context for spans under the span `spanContext` names (a remote one: a `traceparent`). */
export function contextUnder(spanContext: SpanContext | undefined): Context {
  return spanContext ? trace.setSpanContext(ROOT_CONTEXT, spanContext) : ROOT_CONTEXT;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** An incoming W3C `traceparent` header as a remote span context; `undefined` when absent or malformed. */
export function parseTraceparent(value: unknown): SpanContext | undefined {
  if (typeof value !== 'string') return undefined;
  const match = TRACEPARENT.exec(value.trim().toLowerCase());
  if (!match || /^0+$/.test(match[1]) || /^0+$/.test(match[2])) return undefined;
  return { traceId: match[1], spanId: match[2], traceFlags: parseInt(match[3], 16), isRemote: true };
}

/** The `traceparent` header naming span `spanId` of trace `traceId`. */
export function formatTraceparent(traceId: string, spanId: string, flags: number = TraceFlags.SAMPLED): string {
  return `00-${traceId}-${spanId}-${flags.toString(16).padStart(2, '0')}`;
}

/** The `traceparent` of the span active here, if any (a call made in-process continues it). */
export function activeTraceparent(): string | undefined {
  const spanContext = trace.getSpanContext(context.active());
  return spanContext && formatTraceparent(spanContext.traceId, spanContext.spanId, spanContext.traceFlags);
}

export const newTraceId = (): string => randomBytes(16).toString('hex');
export const newSpanId = (): string => randomBytes(8).toString('hex');

/** Puts the active span's context into a message's headers (`traceparent`, `tracestate`). */
export function injectTraceContext(set: (name: string, value: string) => void, from: Context = context.active()): void {
  propagation.inject(from, undefined, { set: (_carrier, name, value) => set(name, value) });
}

/** The context a message's headers carry (its `traceparent`), for the spans that handle it. */
export function extractTraceContext(get: (name: string) => string | undefined): Context {
  return propagation.extract(ROOT_CONTEXT, undefined, {
    get: (_carrier, name) => get(name),
    keys: () => ['traceparent', 'tracestate'],
  });
}
