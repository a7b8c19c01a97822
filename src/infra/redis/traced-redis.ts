import { context, type Span, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import type { Cluster, Redis } from 'ioredis';

/**
 * The client with a span around every command, named `redis <COMMAND>`, from the call to its reply:
 * one Redis round trip as the caller waits for it. Why a proxy over the client rather than patching
 * `sendCommand` (what @opentelemetry/instrumentation-ioredis does): with auto-pipelining, ioredis
 * sends a batch's commands later, from the context of whichever call opened the batch, so spans
 * started there would hang under the wrong chain. The proxy starts each span at the call, in the
 * caller's context, and leaves pipelining, scripts and reconnects to ioredis untouched. A pipeline
 * or MULTI is one span around its `exec`. A command outside any kept trace gets no span.
 */
export function tracedRedis<C extends Redis | Cluster>(redis: C): C {
  const tracer = trace.getTracer('strategy-center');
  const commands = new Set(redis.getBuiltinCommands());
  const wrapped = new Map<PropertyKey, unknown>();
  const traced = (name: string, call: () => Promise<unknown>): Promise<unknown> => {
    // Only inside a kept trace: background commands (config refresh, fence clean-up) would each
    // start a trace of their own, and in a trace the sampler dropped nothing is recorded anyway.
    const parent = trace.getSpanContext(context.active());
    if (parent === undefined || (parent.traceFlags & TraceFlags.SAMPLED) === 0) return call();
    const span = tracer.startSpan(`redis ${name.toUpperCase()}`, {
      kind: SpanKind.CLIENT,
      attributes: { 'db.system': 'redis', 'db.operation': name.toUpperCase() },
    });
    let reply: Promise<unknown>;
    try {
      reply = call();
    } catch (error) {
      failed(span, error);
      throw error;
    }
    reply.then(
      () => span.end(),
      (error: unknown) => failed(span, error),
    );
    return reply;
  };
  const tracedBatch = <T extends { exec: (...args: never[]) => Promise<unknown> }>(name: string, batch: T): T => {
    const exec = batch.exec.bind(batch);
    batch.exec = ((...args: never[]) => traced(name, () => exec(...args))) as T['exec'];
    return batch;
  };
  return new Proxy(redis, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const cached = wrapped.get(property);
      if (cached) return cached;
      const method = value as (...args: unknown[]) => unknown;
      let replacement: (...args: unknown[]) => unknown;
      if (property === 'pipeline' || property === 'multi') {
        replacement = (...args) => tracedBatch(property, method.apply(target, args) as { exec: () => Promise<unknown> });
      } else if (typeof property === 'string' && commands.has(property)) {
        replacement = (...args) => traced(property, () => method.apply(target, args) as Promise<unknown>);
      } else {
        // Not a command (on, duplicate, status...): the client's own, bound so that `this` is the client.
        replacement = method.bind(target);
      }
      wrapped.set(property, replacement);
      return replacement;
    },
  });
}

function failed(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  span.end();
}
