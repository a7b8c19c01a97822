import type { Broker, DeliveryHandler, RawQueue } from '../domain/ports/broker.js';
import { contextFromHeaders, inSpan, SpanKind, traceHeaders } from './tracing.js';

/**
 * The broker with the W3C trace context carried in each message's headers: `publish` opens a
 * producer span and sends its `traceparent`; each delivery is handled inside a consumer span
 * continuing that trace, so the preparation chain a behavior triggers shows under the request
 * that published it, across processes. Adapters only carry the headers.
 */
export function tracedBroker(broker: Broker): Broker {
  return {
    kind: broker.kind,
    publish: (message, options = {}) =>
      inSpan('behavior publish', () => broker.publish(message, { ...options, headers: { ...options.headers, ...traceHeaders() } }), {
        kind: SpanKind.PRODUCER,
        attributes: { 'messaging.system': broker.kind, 'channel.code': message.channelCode, 'event.id': message.eventId },
      }),
    subscribe: (handler, options) => broker.subscribe(consumedInSpan('behavior process', broker.kind, handler), options),
    close: () => broker.close(),
  };
}

/**
 * The raw-behavior queue traced the same way: a relay's `traceparent` on a raw behavior is
 * continued, so the rules it fires (published through the traced broker) join the relay's trace.
 */
export function tracedRawQueue(queue: RawQueue): RawQueue {
  return {
    kind: queue.kind,
    publishRaw: (body, options = {}) =>
      inSpan(
        'raw behavior publish',
        async () => queue.publishRaw(body, { ...options, headers: { ...options.headers, ...traceHeaders() } }),
        {
          kind: SpanKind.PRODUCER,
          attributes: { 'messaging.system': queue.kind },
        },
      ),
    subscribe: (handler, options) => queue.subscribe(consumedInSpan('raw behavior process', queue.kind, handler), options),
    close: () => queue.close(),
  };
}

/** Each delivery handled inside a consumer span that continues the trace its headers carry. */
function consumedInSpan(name: string, system: string, handler: DeliveryHandler): DeliveryHandler {
  return (delivery) =>
    inSpan(
      name,
      async (span) => {
        const verdict = await handler(delivery);
        span?.setAttribute('messaging.verdict', verdict);
        return verdict;
      },
      {
        kind: SpanKind.CONSUMER,
        parent: contextFromHeaders(delivery.headers),
        attributes: { 'messaging.system': system, 'messaging.message.id': delivery.id, 'messaging.attempt': delivery.attempt },
      },
    );
}
