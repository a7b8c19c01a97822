import type { Channel, ConsumeMessage } from 'amqplib';

/**
 * Acknowledges a channel's settled deliveries together. Every delivery whose handler said `ack`
 * during one turn of the event loop is acked at the end of it: the longest run of them that no
 * unsettled delivery interrupts (in delivery-tag order) with one `basic.ack multiple`, the others
 * one by one, so a slow delivery never holds back the acks (and the prefetch room) of the rest.
 * `multiple` acks every outstanding tag up to the one named, so it is sent only up to the first
 * tag still in flight: nothing is acknowledged before its own chain finished.
 */
export class ChannelAcks {
  readonly #channel: Channel;
  /** Delivered and not yet acked or nacked, by delivery tag. */
  readonly #outstanding = new Set<number>();
  #ready = new Map<number, ConsumeMessage>();
  #scheduled = false;

  constructor(channel: Channel) {
    this.#channel = channel;
  }

  delivered(message: ConsumeMessage): void {
    this.#outstanding.add(message.fields.deliveryTag);
  }

  /** Settled otherwise (nacked, or its channel died): it must no longer block a multiple ack. */
  forget(message: ConsumeMessage): void {
    this.#outstanding.delete(message.fields.deliveryTag);
    this.#ready.delete(message.fields.deliveryTag);
  }

  ack(message: ConsumeMessage): void {
    this.#ready.set(message.fields.deliveryTag, message);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Sends the acks gathered so far; called at the end of the turn, and by close() before the channel goes. */
  flush(): void {
    this.#scheduled = false;
    if (this.#ready.size === 0) return;
    const ready = this.#ready;
    this.#ready = new Map();
    let firstUnsettled = Number.POSITIVE_INFINITY;
    for (const tag of this.#outstanding) if (!ready.has(tag) && tag < firstUnsettled) firstUnsettled = tag;
    let upTo: ConsumeMessage | undefined;
    const single: ConsumeMessage[] = [];
    for (const [tag, message] of ready) {
      this.#outstanding.delete(tag);
      if (tag < firstUnsettled) {
        if (!upTo || tag > upTo.fields.deliveryTag) upTo = message;
      } else {
        single.push(message);
      }
    }
    try {
      if (upTo) this.#channel.ack(upTo, true);
      for (const message of single) this.#channel.ack(message);
    } catch {
      // The channel closed under us (a broker restart, a cut connection): acks can no longer go out on
      // it, and the broker hands every unacknowledged delivery of it to a consumer again, whose
      // redelivery is harmless. Throwing here, in a timer, would crash the worker instead.
    }
  }
}
