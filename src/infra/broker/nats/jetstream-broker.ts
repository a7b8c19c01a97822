import {
  AckPolicy,
  connect,
  consumerOpts,
  DeliverPolicy,
  headers,
  type JetStreamClient,
  type JetStreamManager,
  type MsgHdrs,
  type NatsConnection,
  nanos,
  RetentionPolicy,
} from 'nats';
import { TransientError } from '../../../domain/errors.js';
import type { BehaviorMessage, DeliveryHandler, PublishOptions, Subscription } from '../../../domain/ports/broker.js';
import type { BrokerAdapter } from '../broker-adapter.js';
import { type BrokerOptions, type CompiledBrokerOptions, compileBrokerOptions } from '../broker-options.js';
import { OpenSubscriptions } from '../open-subscriptions.js';
import { redactUrl } from '../redact-url.js';
import { type JetStreamNames, jetStreamNames } from './jetstream-names.js';
import { JetStreamSubscription } from './jetstream-subscription.js';

export interface JetStreamBrokerOptions extends BrokerOptions {
  /** The window in which a second publish with the same event id is dropped as a duplicate. */
  readonly duplicateWindowMs?: number;
  /** How long one idle pull waits for a message; bounds how long `Subscription.close()` waits. */
  readonly pullExpiresMs?: number;
}

/**
 * NATS JetStream: a work-queue stream (a message is removed once acked) with a durable pull
 * consumer, explicit acks and ack wait. `publish` sends the event id as `Nats-Msg-Id`, so a message
 * published twice within the duplicate window is stored once.
 */
export class JetStreamBroker implements BrokerAdapter {
  readonly kind = 'nats-jetstream';
  readonly #connection: NatsConnection;
  readonly #jetStream: JetStreamClient;
  readonly #manager: JetStreamManager;
  readonly #names: JetStreamNames;
  readonly #options: CompiledBrokerOptions;
  readonly #pullExpiresMs: number;
  readonly #subscriptions = new OpenSubscriptions();

  private constructor(connection: NatsConnection, manager: JetStreamManager, options: CompiledBrokerOptions, pullExpiresMs: number) {
    this.#connection = connection;
    this.#manager = manager;
    this.#jetStream = connection.jetstream();
    this.#names = jetStreamNames(options.name, options.topic);
    this.#options = options;
    this.#pullExpiresMs = pullExpiresMs;
  }

  static async connect(url: string, options: JetStreamBrokerOptions): Promise<JetStreamBroker> {
    const compiled = compileBrokerOptions(options);
    let connection: NatsConnection;
    try {
      connection = await connect({
        servers: url,
        name: `${compiled.name}:${compiled.consumerName}`,
        // A worker outlives broker restarts: keep reconnecting instead of giving up after 10 tries.
        maxReconnectAttempts: -1,
        timeout: compiled.publishTimeoutMs,
      });
    } catch (error) {
      throw new TransientError(`NATS unavailable at ${redactUrl(url)}: ${String(error)}`, error);
    }
    try {
      const manager = await connection.jetstreamManager();
      const broker = new JetStreamBroker(connection, manager, compiled, options.pullExpiresMs ?? 1_000);
      await broker.#ensureStreamAndConsumer(options.duplicateWindowMs ?? 120_000);
      void broker.#reportConnectionTrouble();
      return broker;
    } catch (error) {
      await connection.close();
      throw error;
    }
  }

  async publish(message: BehaviorMessage, options: PublishOptions = {}): Promise<void> {
    await this.publishRaw(JSON.stringify(message), {
      messageId: options.messageId ?? message.eventId,
      ...(options.headers ? { headers: options.headers } : {}),
    });
  }

  /** Headers travel as NATS message headers. */
  async publishRaw(body: string, options: PublishOptions = {}): Promise<void> {
    try {
      // Resolves on the PubAck: the stream stored the message (or had it already, `duplicate`).
      await this.#jetStream.publish(this.#names.subject, body, {
        timeout: this.#options.publishTimeoutMs,
        ...(options.messageId === undefined ? {} : { msgID: options.messageId }),
        ...(options.headers && Object.keys(options.headers).length > 0 ? { headers: natsHeaders(options.headers) } : {}),
      });
    } catch (error) {
      throw new TransientError(`NATS JetStream did not store the message: ${String(error)}`, error);
    }
  }

  async subscribe(handler: DeliveryHandler, options: { concurrency: number }): Promise<Subscription> {
    const binding = consumerOpts();
    binding.bind(this.#names.stream, this.#names.durable);
    binding.manualAck();
    // The pull subscription (one inbox for all of this subscription's pulls) is what keeps a message
    // sent to an expiring pull from being dropped; the newer Consumer API opens an inbox per fetch.
    const pulls = await this.#jetStream.pullSubscribe(this.#names.subject, binding);
    const subscription = new JetStreamSubscription({
      connection: this.#connection,
      pulls,
      handler,
      options: this.#options,
      pullExpiresMs: this.#pullExpiresMs,
      concurrency: options.concurrency,
    });
    subscription.start();
    return this.#subscriptions.track(subscription);
  }

  async deleteTopology(): Promise<void> {
    // Deleting the stream deletes its consumers with it.
    await this.#manager.streams.delete(this.#names.stream).catch(unlessNotFound);
  }

  /** Closes the subscriptions still open (waiting for their deliveries), then the connection. */
  async close(): Promise<void> {
    await this.#subscriptions.closeAll();
    if (!this.#connection.isClosed()) await this.#connection.close();
  }

  async #ensureStreamAndConsumer(duplicateWindowMs: number): Promise<void> {
    const stream = {
      name: this.#names.stream,
      subjects: [this.#names.subject],
      // Work queue: an acked message leaves the stream, so it holds only what is still to be done.
      retention: RetentionPolicy.Workqueue,
      duplicate_window: nanos(duplicateWindowMs),
    };
    // Several workers may start at once: adding an identical stream or consumer twice is accepted.
    if (!(await this.#manager.streams.info(this.#names.stream).catch(unlessNotFound))) await this.#manager.streams.add(stream);
    const consumer = {
      durable_name: this.#names.durable,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(this.#options.ackWaitMs),
      deliver_policy: DeliverPolicy.All,
      // Redeliver without bound: the consumer decides when a message goes to the dead letters.
      max_deliver: -1,
      max_ack_pending: -1,
    };
    if (await this.#manager.consumers.info(this.#names.stream, this.#names.durable).catch(unlessNotFound)) {
      // It exists already; take on this process's ack wait (the last one configured wins).
      await this.#manager.consumers.update(this.#names.stream, this.#names.durable, { ack_wait: consumer.ack_wait, max_ack_pending: -1 });
    } else {
      await this.#manager.consumers.add(this.#names.stream, consumer);
    }
  }

  async #reportConnectionTrouble(): Promise<void> {
    for await (const status of this.#connection.status()) {
      if (status.type === 'disconnect' || status.type === 'error')
        this.#options.onError(new Error(`NATS ${status.type}: ${String(status.data)}`));
    }
  }
}

/** For `.catch`: a JetStream 404 (no such stream or consumer) becomes `undefined`; anything else is rethrown. */
function unlessNotFound(error: unknown): undefined {
  const apiError = typeof error === 'object' && error !== null && 'api_error' in error ? error.api_error : undefined;
  const code = typeof apiError === 'object' && apiError !== null && 'code' in apiError ? apiError.code : undefined;
  if (code === 404) return undefined;
  throw error;
}

function natsHeaders(values: Readonly<Record<string, string>>): MsgHdrs {
  const carried = headers();
  for (const [name, value] of Object.entries(values)) carried.set(name, value);
  return carried;
}
