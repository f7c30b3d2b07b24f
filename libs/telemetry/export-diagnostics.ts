import type { DiagLogger } from '@opentelemetry/api';
import { secretValuesPattern } from '@switchboard/domain';

/**
 * Where tracing tells of its own troubles: the process's logger (a pino logger fits). Without one,
 * OpenTelemetry's diagnostics go nowhere, as they do by default.
 */
export interface TracingLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** A trouble that goes on (a collector down) is told at most once a minute. */
const REPEAT_MS = 60_000;
/** Kinds of diagnostics remembered at most: they are a handful, unless a message carries ids. */
const KINDS = 100;
const CENSOR = '[REDACTED]';

/**
 * Lets the first line of each kind through, then at most one per `everyMs`, telling how many of
 * its kind were held back meanwhile: a trouble that repeats with every batch is one line, not one
 * per batch forever.
 */
export class LineThrottle {
  private readonly seen = new Map<string, { at: number; held: number }>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly everyMs = REPEAT_MS,
  ) {}

  /** How many lines of this kind were held back since the last one let through; `undefined`: hold this one back. */
  pass(kind: string): number | undefined {
    const now = this.now();
    const last = this.seen.get(kind);
    if (last && now - last.at < this.everyMs) {
      last.held++;
      return undefined;
    }
    if (!last && this.seen.size >= KINDS) this.seen.clear();
    this.seen.set(kind, { at: now, held: 0 });
    return last?.held ?? 0;
  }

  /** The trouble is over: the next line of this kind goes through at once. */
  forget(kind: string): void {
    this.seen.delete(kind);
  }
}

/**
 * The values that must never be logged from tracing: the collector's headers
 * (`OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_EXPORTER_OTLP_TRACES_HEADERS`, an auth token among them) and
 * the credentials of its URL. OpenTelemetry's messages may quote them (a URL it cannot parse); the
 * process's logger redacts the keys it holds, not these.
 */
export class CollectorSecrets {
  private readonly pattern: RegExp | undefined;

  constructor(env: NodeJS.ProcessEnv) {
    const values = new Set<string>();
    for (const name of ['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS']) {
      // `name=value,name=value`, each part URL-encoded (W3C baggage format), as the exporter reads them.
      for (const pair of (env[name] ?? '').split(',')) {
        const value = pair.slice(pair.indexOf('=') + 1).trim();
        if (!pair.includes('=') || value === '') continue;
        for (const spelling of [value, decoded(value)]) {
          values.add(spelling);
          // `Bearer <token>`: the token alone too.
          for (const part of spelling.split(/\s+/)) if (part.length >= 8) values.add(part);
        }
      }
    }
    for (const name of ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']) {
      const credentials = /^[a-z][a-z0-9+.-]*:\/\/([^@/?#]+)@/i.exec(env[name] ?? '')?.[1];
      for (const part of credentials ? [credentials, ...credentials.split(':')] : []) {
        values.add(part);
        values.add(decoded(part));
      }
    }
    this.pattern = secretValuesPattern(values, 4);
  }

  redact(text: string): string {
    return this.pattern ? text.replace(this.pattern, CENSOR) : text;
  }
}

/** The traces URL as a log line may show it: without credentials, query or fragment. */
export function shownEndpoint(url: string): string {
  try {
    const shown = new URL(url);
    shown.username = '';
    shown.password = '';
    shown.search = '';
    shown.hash = '';
    return shown.toString();
  } catch {
    return '(not a URL)';
  }
}

/**
 * Follows the outcome of every export to the collector: the first failure is a warning naming the
 * collector and the reason, a failure that goes on one more line a minute with the count, and the
 * first export that works again one line saying so. The spans of a failed export are lost (the
 * SDK does not keep them): the lines say how many exports were.
 */
export class SpanExportWatch {
  /** Exports failed since the last one that worked. */
  private failures = 0;
  private readonly told = new WeakSet<object>();

  constructor(
    private readonly log: TracingLog,
    private readonly endpoint: string,
    private readonly secrets: CollectorSecrets,
    private readonly throttle: LineThrottle = new LineThrottle(),
  ) {}

  exported(): void {
    if (this.failures === 0) return;
    const failedExports = this.failures;
    this.failures = 0;
    this.throttle.forget('export');
    this.log.info(
      { endpoint: this.endpoint, failedExports },
      `spans are exported to ${this.endpoint} again, after ${failedExports} failed export(s)`,
    );
  }

  /**
   * An export failed. The same error reaches the SDK's error handler too (the batch processor
   * passes it on): told once.
   */
  failed(error: unknown): void {
    if (typeof error === 'object' && error !== null) {
      if (this.told.has(error)) return;
      this.told.add(error);
    }
    this.failures++;
    const held = this.throttle.pass('export');
    if (held === undefined) return;
    const reason = this.secrets.redact(reasonOf(error));
    if (this.failures === 1) {
      this.log.warn({ endpoint: this.endpoint, reason }, `spans could not be exported to ${this.endpoint}: ${reason}`);
      return;
    }
    this.log.warn(
      { endpoint: this.endpoint, reason, failedExports: this.failures, heldBack: held },
      `spans still could not be exported to ${this.endpoint}: ${reason} (${this.failures} failed exports so far, ${held} not logged)`,
    );
  }
}

/**
 * OpenTelemetry's own diagnostics (`diag`) at warning and error level, into the process's log:
 * secrets redacted, each kind of message at most once a minute (the queue overflowing while the
 * collector is down says so with every batch).
 */
export function diagnosticsLogger(log: TracingLog, secrets: CollectorSecrets, throttle = new LineThrottle()): DiagLogger {
  const write =
    (level: 'warn' | 'error') =>
    (message: string, ...args: unknown[]): void => {
      // The kind: the message without its numbers ("Dropped 12 spans" and "Dropped 40 spans" are one).
      const held = throttle.pass(`${level}:${message.replace(/\d+/g, '#')}`);
      if (held === undefined) return;
      const text = secrets.redact([message, ...args.map(describe)].join(' ')).slice(0, 1000);
      log[level](held > 0 ? { heldBack: held } : {}, `OpenTelemetry: ${text}${held > 0 ? ` (${held} more like it not logged)` : ''}`);
    };
  const ignore = (): void => undefined;
  return { error: write('error'), warn: write('warn'), info: ignore, debug: ignore, verbose: ignore };
}

/**
 * Why an export failed, in a few words: the collector's HTTP status, or the network error
 * (`connect ECONNREFUSED 10.0.0.7:4318`). Never the collector's answer body.
 */
export function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'number') return `HTTP ${code}${error.message ? ` ${error.message}` : ''}`;
  // The exporter's words when it gave up retrying, without the status: say which ones it retries.
  if (error.message === 'Export failed with retryable status')
    return 'the collector answered 429, 502, 503 or 504 (retried until the export timeout)';
  return error.message || (typeof code === 'string' ? code : error.name);
}

function describe(arg: unknown): string {
  if (arg instanceof Error) return reasonOf(arg);
  if (typeof arg === 'string') return arg;
  try {
    return JSON.stringify(arg) ?? String(arg);
  } catch {
    return String(arg);
  }
}

function decoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
