import type { Delivery, DeliveryHandler } from '../../domain/ports/broker.js';

/**
 * Runs the consumer's handler and returns its verdict. A throw counts as `retry`: the port promises
 * that a message is acknowledged only after its handler said `ack`, so a fault must not lose it.
 */
export async function handlerVerdict(
  handler: DeliveryHandler,
  delivery: Delivery,
  onError: (error: unknown) => void,
): Promise<'ack' | 'retry'> {
  try {
    return (await handler(delivery)) === 'ack' ? 'ack' : 'retry';
  } catch (error) {
    onError(error);
    return 'retry';
  }
}
