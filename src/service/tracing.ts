import {
  type Attributes,
  type Context,
  context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
} from '@opentelemetry/api';

/**
 * The one place product code opens spans. Everything here goes through @opentelemetry/api only: the
 * SDK (exporter, sampler) is started by the composition root when OTEL_EXPORTER_OTLP_ENDPOINT is set
 * (app/tracing.ts), and until then `tracingEnabled()` is false and every helper is a plain call —
 * no span objects, no context switches on the hot path.
 */
let enabled = false;

export const TRACER_NAME = 'strategy-center';

/** Set by the composition root once a tracer provider is registered (and cleared when it shuts down). */
export function setTracingEnabled(on: boolean): void {
  enabled = on;
}

export function tracingEnabled(): boolean {
  return enabled;
}

const tracer = () => trace.getTracer(TRACER_NAME);

export interface SpanOptions {
  readonly kind?: SpanKind;
  readonly attributes?: Attributes;
  /** Start under this context (a message's extracted `traceparent`) instead of the active one. */
  readonly parent?: Context;
}

/**
 * Runs `fn` inside a new active span that ends when `fn` settles; a throw is recorded on the span and
 * rethrown. `fn` gets the span (undefined when tracing is off) to add what it learns. Not async
 * itself: off, it is `fn()` and no promise more.
 */
export function inSpan<T>(name: string, fn: (span: Span | undefined) => Promise<T>, options: SpanOptions = {}): Promise<T> {
  if (!enabled) return fn(undefined);
  const parent = options.parent ?? context.active();
  if (sampledOut(parent)) {
    // A trace the sampler dropped: record nothing, but run in its context, so that what follows
    // (and what is published) stays in that unsampled trace instead of starting a new one.
    return options.parent ? context.with(parent, () => fn(undefined)) : fn(undefined);
  }
  const spanOptions = { kind: options.kind ?? SpanKind.INTERNAL, ...(options.attributes ? { attributes: options.attributes } : {}) };
  return tracer().startActiveSpan(name, spanOptions, parent, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      recordFault(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The context holds a span of a trace the sampler did not keep (its children would not be kept either). */
export function sampledOut(parent: Context): boolean {
  const spanContext = trace.getSpanContext(parent);
  return spanContext !== undefined && (spanContext.traceFlags & TraceFlags.SAMPLED) === 0;
}

/** Marks the span failed with the error, as an exception event. */
export function recordFault(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/** The active trace's id, for the event trace and log lines; undefined when tracing is off or nothing is traced. */
export function currentTraceId(): string | undefined {
  if (!enabled) return undefined;
  const spanContext = trace.getSpanContext(context.active());
  return spanContext && isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}

/**
 * The active span's ids as pino fields (a `mixin`): every log line written inside a span names its
 * trace. A new object each time: pino merges the line's own fields into it.
 */
export function traceLogFields(): Record<string, string> {
  if (!enabled) return {};
  const spanContext = trace.getSpanContext(context.active());
  return spanContext && isSpanContextValid(spanContext) ? { traceId: spanContext.traceId, spanId: spanContext.spanId } : {};
}

/** W3C trace context (`traceparent`, `tracestate`) of the active span, as message headers. */
export function traceHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  if (enabled) propagation.inject(context.active(), headers);
  return headers;
}

/** The context a message's headers carry (the root context when they carry none). */
export function contextFromHeaders(headers: Readonly<Record<string, string | string[] | undefined>> | undefined): Context {
  return propagation.extract(ROOT_CONTEXT, headers ?? {});
}

/** A span started but not made active: its owner (an HTTP request's hooks) enters `context` and ends `span`. */
export interface OpenSpan {
  readonly span: Span;
  readonly context: Context;
}

export function openSpan(name: string, options: SpanOptions = {}): OpenSpan | undefined {
  if (!enabled) return undefined;
  const parent = options.parent ?? context.active();
  const span = tracer().startSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, ...(options.attributes ? { attributes: options.attributes } : {}) },
    parent,
  );
  return { span, context: trace.setSpan(parent, span) };
}

/** Runs `fn` with `open`'s span active (everything `fn` starts, sync or async, runs under it). */
export function withSpanContext<T>(open: OpenSpan, fn: () => T): T {
  return context.with(open.context, fn);
}

export { type Span, SpanKind, SpanStatusCode };
