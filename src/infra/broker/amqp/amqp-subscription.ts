import { randomUUID } from 'node:crypto';
import type { Channel, ConsumeMessage, RecoveringChannelModel } from 'amqplib';
import type { Delivery, DeliveryHandler, Subscription } from '../../../domain/ports/broker.js';
import { type Backoff, backoffDelayMs, sleep } from '../../../domain/retry-policy.js';
import type { CompiledBrokerOptions } from '../broker-options.js';
import { DeliverySlots } from '../delivery-slots.js';
import { handlerVerdict } from '../handler-verdict.js';
import { ChannelAcks } from './channel-acks.js';

/** Reopening a consumer channel that failed: 200 ms, 400 ms … at most 5 s between tries. */
const CHANNEL_REOPEN_BACKOFF: Backoff = { baseDelayMs: 200, maxDelayMs: 5_000, jitter: 'half' };

import type { AmqpTopology } from './amqp-topology.js';
import type { ConfirmPublisher } from './confirm-publisher.js';

/** Headers this adapter owns: the attempt a message starts at, and the quorum queue's redelivery count. */
const ATTEMPT_HEADER = 'x-attempt';
const DELIVERY_COUNT_HEADER = 'x-delivery-count';

/**
 * One consumer on the main queue with manual acks and prefetch = concurrency. When its channel dies
 * (the connection dropped, the broker restarted) it opens a new one and consumes again; the
 * unacknowledged messages of the dead channel are requeued by RabbitMQ and come back counted.
 */
export class AmqpSubscription implements Subscription {
  readonly #connection: RecoveringChannelModel;
  readonly #publisher: ConfirmPublisher;
  readonly #topology: AmqpTopology;
  readonly #handler: DeliveryHandler;
  readonly #options: CompiledBrokerOptions;
  readonly #slots: DeliverySlots;
  readonly #openChannels = new Set<Channel>();
  readonly #acks = new Map<Channel, ChannelAcks>();
  #consumer: { channel: Channel; consumerTag: string } | undefined;
  #closing = false;
  #closed: Promise<void> | undefined;

  constructor(args: {
    connection: RecoveringChannelModel;
    publisher: ConfirmPublisher;
    topology: AmqpTopology;
    handler: DeliveryHandler;
    concurrency: number;
    options: CompiledBrokerOptions;
  }) {
    this.#connection = args.connection;
    this.#publisher = args.publisher;
    this.#topology = args.topology;
    this.#handler = args.handler;
    this.#options = args.options;
    this.#slots = new DeliverySlots(args.concurrency);
  }

  /** Resolves once the first consumer is registered, so that a failing broker fails `subscribe`. */
  async start(): Promise<void> {
    const { closed } = await this.#consume();
    void this.#keepConsuming(closed);
  }

  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    this.#closing = true;
    const consumer = this.#consumer;
    // Cancel first: RabbitMQ stops sending, and the channel stays open for the in-flight acks.
    if (consumer) await consumer.channel.cancel(consumer.consumerTag).catch(() => undefined);
    await this.#slots.whenIdle();
    // Acks still waiting for the end of the turn go out before the channel's Close frame.
    for (const acks of this.#acks.values()) acks.flush();
    await Promise.all([...this.#openChannels].map((channel) => channel.close().catch(() => undefined)));
    // #keepConsuming is not awaited: while the connection is down it waits for a reconnection, and
    // on waking it sees #closing and closes whatever it opened.
  }

  async #keepConsuming(firstChannelClosed: Promise<void>): Promise<void> {
    let closed = firstChannelClosed;
    for (let failures = 0; ; ) {
      await closed;
      if (this.#closing) return;
      try {
        ({ closed } = await this.#consume());
        failures = 0;
      } catch (error) {
        if (this.#closing) return;
        this.#options.onError(error);
        failures += 1;
        closed = sleep(backoffDelayMs(CHANNEL_REOPEN_BACKOFF, failures));
      }
    }
  }

  /** Opens a channel and consumes on it; `closed` settles when that channel closes. */
  async #consume(): Promise<{ closed: Promise<void> }> {
    // Waits while the connection is down: the recovering connection queues channel requests.
    const channel = await this.#connection.createChannel();
    this.#openChannels.add(channel);
    this.#acks.set(channel, new ChannelAcks(channel));
    const closed = new Promise<void>((resolve) => {
      channel.on('close', () => {
        this.#openChannels.delete(channel);
        this.#acks.delete(channel);
        if (this.#consumer?.channel === channel) this.#consumer = undefined;
        resolve();
      });
    });
    channel.on('error', this.#options.onError);
    if (this.#closing) {
      await channel.close().catch(() => undefined);
      return { closed };
    }
    try {
      await this.#topology.assertMainQueue(channel);
      await channel.prefetch(this.#slots.capacity);
      const onMessage = (message: ConsumeMessage | null): void => this.#onMessage(channel, message);
      const { consumerTag } = await channel.consume(this.#topology.mainQueue, onMessage, { noAck: false });
      this.#consumer = { channel, consumerTag };
    } catch (error) {
      await channel.close().catch(() => undefined);
      throw error;
    }
    if (this.#closing) await channel.close().catch(() => undefined);
    return { closed };
  }

  #onMessage(channel: Channel, message: ConsumeMessage | null): void {
    if (message === null) {
      // RabbitMQ cancelled the consumer (queue deleted or failed over): start over on a new channel.
      void channel.close().catch(() => undefined);
      return;
    }
    this.#slots.take();
    this.#acks.get(channel)?.delivered(message);
    void this.#settle(channel, message);
  }

  async #settle(channel: Channel, message: ConsumeMessage): Promise<void> {
    const headers: Record<string, unknown> = { ...message.properties.headers };
    const delivery: Delivery = {
      // Our publishers always set a message id; a foreign producer may not, and then it is per delivery.
      id: typeof message.properties.messageId === 'string' ? message.properties.messageId : randomUUID(),
      body: message.content.toString('utf8'),
      attempt: wholeNumber(headers[ATTEMPT_HEADER], 1) + wholeNumber(headers[DELIVERY_COUNT_HEADER], 0),
      headers: publishedHeaders(headers),
    };
    try {
      const verdict = await handlerVerdict(this.#handler, delivery, this.#options.onError);
      if (verdict === 'retry' && !(await this.#scheduleRetry(message, headers, delivery.attempt))) {
        // The retry queue is out of reach: requeue now instead. RabbitMQ counts it, so attempt still grows.
        this.#acks.get(channel)?.forget(message);
        if (this.#openChannels.has(channel)) channel.nack(message, false, true);
        return;
      }
      // On a channel that died meanwhile there is nothing to ack: RabbitMQ has requeued the message.
      if (this.#openChannels.has(channel)) this.#acks.get(channel)?.ack(message);
    } catch (error) {
      this.#options.onError(error);
    } finally {
      this.#slots.release();
    }
  }

  /** Sends a copy to the retry queue of this attempt's delay; only after its confirm is the original acked. */
  async #scheduleRetry(message: ConsumeMessage, headers: Record<string, unknown>, attempt: number): Promise<boolean> {
    const delayMs = this.#options.retryDelayMs(attempt);
    // The copy is a new message for the quorum queue, so the old redelivery count must not ride along.
    const { [DELIVERY_COUNT_HEADER]: _count, ...carried } = headers;
    try {
      await this.#publisher.send(
        this.#topology.retryQueue(delayMs),
        message.content,
        { ...publishableProperties(message), headers: { ...carried, [ATTEMPT_HEADER]: attempt + 1 } },
        async (channel) => {
          await this.#topology.assertRetryQueue(channel, delayMs);
        },
      );
      return true;
    } catch (error) {
      this.#options.onError(error);
      return false;
    }
  }
}

function wholeNumber(value: unknown, fallback: number): number {
  const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isInteger(number) && number >= 0 ? number : fallback;
}

function publishableProperties(message: ConsumeMessage): {
  persistent: true;
  messageId?: string;
  contentType?: string;
  timestamp?: number;
} {
  const { messageId, contentType, timestamp } = message.properties;
  return {
    persistent: true,
    ...(typeof messageId === 'string' ? { messageId } : {}),
    ...(typeof contentType === 'string' ? { contentType } : {}),
    ...(typeof timestamp === 'number' ? { timestamp } : {}),
  };
}

/** The string headers a publisher set (e.g. `traceparent`), without this adapter's and RabbitMQ's own `x-` ones. */
function publishedHeaders(headers: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && !entry[0].startsWith('x-')),
  );
}
