import type { Channel } from 'amqplib';
import type { BrokerTopic } from '../broker-options.js';

/**
 * The queues of one namespace. The main queue is a quorum queue: it survives a broker restart like a
 * durable classic queue, and it counts redeliveries in the `x-delivery-count` header, so a message
 * that keeps killing its worker still reaches the consumer's dead-letter bound.
 *
 * Retries wait in one classic queue per delay (`<main>.retry.<delay>ms`) whose queue-wide TTL
 * dead-letters them back to the main queue. One queue per delay, because RabbitMQ expires messages
 * only at the head of a queue: a 5 s retry would hold back a 100 ms one queued behind it.
 */
export class AmqpTopology {
  readonly mainQueue: string;
  readonly #declaredRetryQueues = new WeakMap<Channel, Set<string>>();
  readonly #retryQueuesEverDeclared = new Set<string>();

  /** `sc.behaviors` (fired rules) or `sc.raw-behaviors` (raw behaviors from relays). */
  constructor(name: string, topic: BrokerTopic = 'behaviors') {
    this.mainQueue = `${name}.${topic}`;
  }

  retryQueue(delayMs: number): string {
    return `${this.mainQueue}.retry.${delayMs}ms`;
  }

  async assertMainQueue(channel: Channel): Promise<void> {
    await channel.assertQueue(this.mainQueue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  }

  /** Declares the retry queue for `delayMs` once per channel (declaring is idempotent but a round trip). */
  async assertRetryQueue(channel: Channel, delayMs: number): Promise<string> {
    const queue = this.retryQueue(delayMs);
    const declared = this.#declaredRetryQueues.get(channel) ?? new Set<string>();
    if (!declared.has(queue)) {
      await channel.assertQueue(queue, {
        durable: true,
        messageTtl: delayMs,
        deadLetterExchange: '',
        deadLetterRoutingKey: this.mainQueue,
      });
      declared.add(queue);
      this.#declaredRetryQueues.set(channel, declared);
      this.#retryQueuesEverDeclared.add(queue);
    }
    return queue;
  }

  /** Every queue of the namespace this process knows of: the main queue and the retry queues it used or may use. */
  knownQueues(retryDelaysMs: Iterable<number>): string[] {
    const retryQueues = new Set(this.#retryQueuesEverDeclared);
    for (const delayMs of retryDelaysMs) retryQueues.add(this.retryQueue(delayMs));
    return [this.mainQueue, ...retryQueues];
  }
}
