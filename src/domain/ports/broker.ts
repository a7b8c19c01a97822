/** The broker message of a behavior event, as published when a rule fires (public contract). */
export interface BehaviorMessage {
  readonly channelCode: string;
  readonly userId: string;
  readonly eventId: string;
  readonly payload?: Readonly<Record<string, unknown>>;
  readonly occurredAt?: string;
}

/** A delivery the consumer must settle exactly once. */
export interface Delivery {
  /** The raw body; parsing is the consumer's job so that unparseable messages can be dead-lettered. */
  readonly body: string;
  /** How many times the broker has handed this message out, starting at 1. */
  readonly attempt: number;
  /**
   * The message id of the publish (`PublishOptions.messageId`, by default the event id), the same
   * on every broker and across redeliveries; the broker's own id for a body published without one.
   */
  readonly id: string;
  /** Headers published with the message (`PublishOptions.headers`), e.g. W3C `traceparent`; absent when none came. */
  readonly headers?: Readonly<Record<string, string>>;
}

export type DeliveryHandler = (delivery: Delivery) => Promise<'ack' | 'retry'>;

export interface Subscription {
  /** Stops taking messages, waits for those in flight to settle. */
  close(): Promise<void>;
}

export interface PublishOptions {
  /**
   * The message's id, handed to the consumer as `Delivery.id` by every broker, and the id a
   * de-duplicating broker (JetStream's `Nats-Msg-Id`) drops repeats by; default the event id, so a
   * publish retried after a timeout is stored once there. A replay passes its own: it is meant
   * to run the event again, and must not be dropped as a repeat of the original.
   */
  readonly messageId?: string;
  /**
   * Small string headers carried beside the body to the consumer (a Redis Streams field, AMQP
   * headers, NATS headers): the W3C trace context, so a behavior's trace continues in the worker.
   */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Behavior-event transport. Publish resolves only once the broker has the message safely. */
export interface Broker {
  readonly kind: string;
  publish(message: BehaviorMessage, options?: PublishOptions): Promise<void>;
  subscribe(handler: DeliveryHandler, options: { concurrency: number }): Promise<Subscription>;
  close(): Promise<void>;
}

/**
 * A broker queue whose bodies are taken as given: the raw behaviors that clickstream relays put on
 * the namespace's raw-behavior stream, queue or subject. Same delivery contract as `Broker`.
 */
export interface RawQueue {
  readonly kind: string;
  /** Resolves once the broker has the body safely (like `Broker.publish`). */
  publishRaw(body: string, options?: PublishOptions): Promise<void> | void;
  subscribe(handler: DeliveryHandler, options: { concurrency: number }): Promise<Subscription>;
  close(): Promise<void>;
}
