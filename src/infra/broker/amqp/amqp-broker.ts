import { randomUUID } from 'node:crypto';
import { type ChannelModel, connect, type RecoveringChannelModel } from 'amqplib';
import { TransientError } from '../../../domain/errors.js';
import type { BehaviorMessage, DeliveryHandler, PublishOptions, Subscription } from '../../../domain/ports/broker.js';
import { backoffSchedule } from '../../../domain/retry-policy.js';
import type { BrokerAdapter } from '../broker-adapter.js';
import { type BrokerOptions, type CompiledBrokerOptions, compileBrokerOptions, RECONNECT_BACKOFF } from '../broker-options.js';
import { OpenSubscriptions } from '../open-subscriptions.js';
import { redactUrl } from '../redact-url.js';
import { withTimeout } from '../timers.js';
import { AmqpSubscription } from './amqp-subscription.js';
import { AmqpTopology } from './amqp-topology.js';
import { ConfirmPublisher } from './confirm-publisher.js';

/** Reconnect backoff: quick at first, then every 2 s for as long as the broker is away (a try is cheap). */
const reconnectDelayMs = backoffSchedule(RECONNECT_BACKOFF);

/**
 * RabbitMQ through amqplib: a durable quorum queue, persistent messages, publisher confirms, manual
 * acks with prefetch, retries through per-delay TTL queues (see AmqpTopology). The connection is
 * amqplib's recovering connection: it reconnects with backoff and re-declares the topology; the
 * subscriptions and the publisher reopen their channels on it.
 */
export class AmqpBroker implements BrokerAdapter {
  readonly kind = 'rabbitmq';
  readonly #connection: RecoveringChannelModel;
  readonly #topology: AmqpTopology;
  readonly #publisher: ConfirmPublisher;
  readonly #options: CompiledBrokerOptions;
  readonly #subscriptions = new OpenSubscriptions();

  private constructor(connection: RecoveringChannelModel, topology: AmqpTopology, options: CompiledBrokerOptions) {
    this.#connection = connection;
    this.#topology = topology;
    this.#options = options;
    this.#publisher = new ConfirmPublisher(connection, options.publishTimeoutMs, options.onError);
  }

  static async connect(url: string, options: BrokerOptions): Promise<AmqpBroker> {
    const compiled = compileBrokerOptions(options);
    const topology = new AmqpTopology(compiled.name, compiled.topic);
    try {
      const connection = await connect(url, {
        clientProperties: { connection_name: `${compiled.name}:${compiled.consumerName}` },
        recovery: {
          calculateDelay: reconnectDelayMs,
          // Fail fast at startup (a wrong URL should fail the deployment), never give up once connected.
          initialMaxRetries: 2,
          maxRetries: Number.POSITIVE_INFINITY,
          setup: async (model: ChannelModel) => {
            const channel = await model.createChannel();
            await topology.assertMainQueue(channel);
            await channel.close();
          },
        },
      });
      // Without listeners an 'error' event would crash the process; the connection recovers by itself.
      connection.on('error', compiled.onError);
      connection.on('disconnect', compiled.onError);
      connection.on('reconnect-failed', compiled.onError);
      return new AmqpBroker(connection, topology, compiled);
    } catch (error) {
      throw new TransientError(`RabbitMQ unavailable at ${redactUrl(url)}: ${String(error)}`, error);
    }
  }

  /** The message id is the AMQP `message-id` property and becomes `Delivery.id` (default: the event id). */
  async publish(message: BehaviorMessage, options: PublishOptions = {}): Promise<void> {
    await this.publishRaw(JSON.stringify(message), {
      messageId: options.messageId ?? message.eventId,
      ...(options.headers ? { headers: options.headers } : {}),
    });
  }

  /** Headers travel as AMQP headers (and so with the copy a retry sends to the retry queue). */
  async publishRaw(body: string, options: PublishOptions = {}): Promise<void> {
    await this.#publisher.send(this.#topology.mainQueue, Buffer.from(body, 'utf8'), {
      persistent: true,
      contentType: 'application/json',
      messageId: options.messageId ?? randomUUID(),
      timestamp: Date.now(),
      headers: { ...options.headers, 'x-attempt': 1 },
    });
  }

  async subscribe(handler: DeliveryHandler, options: { concurrency: number }): Promise<Subscription> {
    const subscription = new AmqpSubscription({
      connection: this.#connection,
      publisher: this.#publisher,
      topology: this.#topology,
      handler,
      concurrency: options.concurrency,
      options: this.#options,
    });
    await subscription.start();
    return this.#subscriptions.track(subscription);
  }

  async deleteTopology(): Promise<void> {
    const channel = await withTimeout(this.#connection.createChannel(), this.#options.publishTimeoutMs, 'waiting for RabbitMQ');
    try {
      const retryDelays = new Set(Array.from({ length: 32 }, (_, index) => this.#options.retryDelayMs(index + 1)));
      for (const queue of this.#topology.knownQueues(retryDelays)) await channel.deleteQueue(queue);
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  /** Closes the subscriptions still open (waiting for their deliveries), then the connection. */
  async close(): Promise<void> {
    await this.#subscriptions.closeAll();
    await this.#publisher.close();
    await this.#connection.close();
  }
}
