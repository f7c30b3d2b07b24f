import { context, diag, DiagLogLevel, propagation, trace, type Tracer } from '@opentelemetry/api';
import { ExportResultCode, loggingErrorHandler, setGlobalErrorHandler, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  RandomIdGenerator,
  SimpleSpanProcessor,
  type IdGenerator,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { CollectorSecrets, diagnosticsLogger, shownEndpoint, SpanExportWatch, type TracingLog } from './export-diagnostics';
import type { PresetIds } from './tracing';

/**
 * The OpenTelemetry SDK, imported by `startTracing` only when tracing is on. Spans are batched
 * and posted as OTLP/HTTP JSON (the `OTEL_EXPORTER_OTLP_*` and `OTEL_BSP_*` variables apply, and
 * `OTEL_TRACES_SAMPLER`); the provider is registered globally with the W3C propagator and an
 * AsyncLocalStorage context, so spans started while another is active become its children.
 * Given the process's log, OpenTelemetry's warnings and errors go there, and a failing export to
 * the collector is one warning (then one a minute) instead of silence.
 */
export function openTracerProvider(opts: {
  service: string;
  url: string | undefined;
  exporter: SpanExporter | undefined;
  log: TracingLog | undefined;
  env: NodeJS.ProcessEnv;
}): {
  tracer: Tracer;
  ids: PresetIds;
  flush(): Promise<void>;
  shutdown(): Promise<void>;
} {
  const ids = new PresetIdGenerator();
  const resource = defaultResource()
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(resourceFromAttributes({ 'service.name': opts.service }));
  const secrets = new CollectorSecrets(opts.env);
  // Before the exporter exists: it warns of a bad configuration as it reads it.
  if (opts.log) diag.setLogger(diagnosticsLogger(opts.log, secrets), { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  let watch: SpanExportWatch | undefined;
  let processor;
  if (opts.exporter) processor = new SimpleSpanProcessor(opts.exporter);
  else {
    const otlp = new OTLPTraceExporter(opts.url ? { url: opts.url } : {});
    if (opts.log) {
      watch = new SpanExportWatch(opts.log, opts.url ? shownEndpoint(opts.url) : 'the collector', secrets);
      // The batch processor hands a failed export's error to the SDK's error handler (by default a
      // diag line per batch): the watch tells it, once.
      const told = watch;
      setGlobalErrorHandler((error) => told.failed(error));
    }
    processor = new BatchSpanProcessor(watch ? new WatchedExporter(otlp, watch) : otlp);
  }
  const provider = new NodeTracerProvider({ resource, idGenerator: ids, spanProcessors: [processor] });
  provider.register();
  return {
    tracer: provider.getTracer('switchboard'),
    ids,
    flush: () => provider.forceFlush(),
    shutdown: async () => {
      try {
        await provider.shutdown();
      } catch (error) {
        // The last spans could not be exported (the collector is down): said in the log, and no reason to fail the exit.
        if (!watch) throw error;
        watch.failed(error);
      } finally {
        trace.disable();
        context.disable();
        propagation.disable();
        if (watch) setGlobalErrorHandler(loggingErrorHandler());
        if (opts.log) diag.disable();
      }
    },
  };
}

/** The OTLP exporter, each export's outcome told to the watch. */
class WatchedExporter implements SpanExporter {
  constructor(
    private readonly exporter: SpanExporter,
    private readonly watch: SpanExportWatch,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.exporter.export(spans, (result) => {
      if (result.code === ExportResultCode.SUCCESS) this.watch.exported();
      else this.watch.failed(result.error ?? new Error('span export failed'));
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.exporter.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.exporter.forceFlush?.() ?? Promise.resolve();
  }
}

/** Random ids, except for the one span whose ids were chosen ahead (see `startSpanWithIds`). */
class PresetIdGenerator implements IdGenerator, PresetIds {
  traceId: string | undefined = undefined;
  spanId: string | undefined = undefined;
  private readonly random = new RandomIdGenerator();

  generateTraceId(): string {
    return this.traceId ?? this.random.generateTraceId();
  }

  generateSpanId(): string {
    return this.spanId ?? this.random.generateSpanId();
  }
}
