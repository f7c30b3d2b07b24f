import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  RandomIdGenerator,
  SimpleSpanProcessor,
  type IdGenerator,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { PresetIds } from './tracing';

/**
 * The OpenTelemetry SDK, imported by `startTracing` only when tracing is on. Spans are batched
 * and posted as OTLP/HTTP JSON (the `OTEL_EXPORTER_OTLP_*` and `OTEL_BSP_*` variables apply, and
 * `OTEL_TRACES_SAMPLER`); the provider is registered globally with the W3C propagator and an
 * AsyncLocalStorage context, so spans started while another is active become its children.
 */
export function openTracerProvider(opts: { service: string; url: string | undefined; exporter: SpanExporter | undefined }): {
  tracer: Tracer;
  ids: PresetIds;
  flush(): Promise<void>;
  shutdown(): Promise<void>;
} {
  const ids = new PresetIdGenerator();
  const resource = defaultResource()
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(resourceFromAttributes({ 'service.name': opts.service }));
  const processor = opts.exporter
    ? new SimpleSpanProcessor(opts.exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter(opts.url ? { url: opts.url } : {}));
  const provider = new NodeTracerProvider({ resource, idGenerator: ids, spanProcessors: [processor] });
  provider.register();
  return {
    tracer: provider.getTracer('switchboard'),
    ids,
    flush: () => provider.forceFlush(),
    shutdown: async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
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
