import type { Broker } from '../domain/ports/broker.js';
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
    subscribe: (handler, options) =>
      broker.subscribe(
        (delivery) =>
          inSpan(
            'behavior process',
            async (span) => {
              const verdict = await handler(delivery);
              span?.setAttribute('messaging.verdict', verdict);
              return verdict;
            },
            {
              kind: SpanKind.CONSUMER,
              parent: contextFromHeaders(delivery.headers),
              attributes: { 'messaging.system': broker.kind, 'messaging.message.id': delivery.id, 'messaging.attempt': delivery.attempt },
            },
          ),
        options,
      ),
    close: () => broker.close(),
  };
}
