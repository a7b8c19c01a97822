import { context, propagation, trace } from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { setTracingEnabled } from '../service/tracing.js';
import type { TracingSettings } from './settings.js';

/** The process's OpenTelemetry SDK, once started; `shutdown` flushes what is still buffered. */
export interface Tracing {
  readonly enabled: boolean;
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** From OTEL_EXPORTER_OTLP_ENDPOINT & co.; undefined: no OTLP export. */
  readonly settings?: TracingSettings;
  /** Further processors (tests: an in-memory exporter). */
  readonly spanProcessors?: readonly SpanProcessor[];
  /** Default: settings' ratio, else 1. */
  readonly sampleRatio?: number;
  readonly serviceName?: string;
}

const OFF: Tracing = { enabled: false, shutdown: async () => undefined };

/**
 * Starts tracing for this process when there is somewhere to send spans: registers a Node tracer
 * provider (AsyncLocalStorage context, W3C trace-context propagation), a parent-based ratio sampler
 * and a batching OTLP/HTTP (JSON) exporter. With nothing to export it loads no SDK at all and the
 * tracing helpers stay plain calls. Call once per process, before `createApp`.
 */
export async function startTracing(options: TracingOptions): Promise<Tracing> {
  const processors: SpanProcessor[] = [...(options.spanProcessors ?? [])];
  if (!options.settings && processors.length === 0) return OFF;
  // Loaded only when on: an untraced process never pays for the SDK's modules.
  const [{ NodeTracerProvider }, base, { resourceFromAttributes }, { W3CTraceContextPropagator }] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/core'),
  ]);
  if (options.settings) {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    processors.push(new base.BatchSpanProcessor(new OTLPTraceExporter({ url: options.settings.tracesUrl })));
  }
  const ratio = options.sampleRatio ?? options.settings?.sampleRatio ?? 1;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName ?? options.settings?.serviceName ?? 'strategy-center' }),
    sampler: new base.ParentBasedSampler({ root: new base.TraceIdRatioBasedSampler(ratio) }),
    spanProcessors: processors,
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  setTracingEnabled(true);
  return {
    enabled: true,
    async shutdown() {
      setTracingEnabled(false);
      await provider.shutdown();
      // Unregistered, so that a later start (a test's) registers its own provider.
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
