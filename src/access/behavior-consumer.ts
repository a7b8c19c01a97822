import type { Logger } from 'pino';
import { ConflictError } from '../domain/errors.js';
import type { Delivery, DeliveryHandler } from '../domain/ports/broker.js';
import type { DeadLetterStore } from '../domain/ports/dead-letter-store.js';
import type { ChannelEvents } from '../service/channel-events.js';
import { parseBehaviorMessage } from './behavior-message.js';

export interface BehaviorConsumerOptions {
  /** Claims the event id (a message reusing it with other content is dead-lettered at once), then dispatches. */
  readonly events: ChannelEvents;
  readonly deadLetters: DeadLetterStore;
  /** Deliveries of one message before it is dead-lettered. */
  readonly maxAttempts: number;
  /** Names where dead letters came from, e.g. the broker kind. */
  readonly source: string;
  readonly logger?: Logger;
}

/**
 * Deliveries one consumer holds at once; brokers hand them out in batches of half of it (Redis
 * Streams XREADGROUP COUNT, JetStream fetch, RabbitMQ prefetch refills), so one batch runs while
 * the next is read. 256: on two cores the drain stops gaining past about 200 in flight (the chains
 * of a batch share their Redis round trips, and more only adds memory and latency), while 16, the
 * old default, left the worker waiting on round trips. See bench/README.md for the measurements.
 */
export const DEFAULT_CONSUMER_CONCURRENCY = 256;

/**
 * The consumer concurrency when none is asked for: the same on every broker since JetStream pulls
 * batches into one inbox (see src/infra/broker/nats/jetstream-subscription.ts).
 */
export function defaultConsumerConcurrency(_brokerKind: string): number {
  return DEFAULT_CONSUMER_CONCURRENCY;
}

const MESSAGE_PATHS = { channelCode: 'message.channelCode', userId: 'message.userId', payload: 'message.payload' };

/**
 * Turns broker deliveries into dispatches. Acknowledges only after the chain finished; a failing
 * chain is retried by the broker up to `maxAttempts`, then dead-lettered with its reason; a body
 * that does not parse goes straight to the dead letters. Effects are idempotent, so a redelivery
 * of a message that already took effect changes nothing.
 */
export function behaviorConsumer(options: BehaviorConsumerOptions): DeliveryHandler {
  const { events, deadLetters, maxAttempts, source, logger } = options;
  const deadLetter = async (delivery: Delivery, reason: string) => {
    await deadLetters.add({ body: delivery.body, reason, attempts: delivery.attempt, source });
    logger?.warn({ deliveryId: delivery.id, attempts: delivery.attempt, reason }, 'message dead-lettered');
    return 'ack' as const;
  };
  return async (delivery) => {
    let message: ReturnType<typeof parseBehaviorMessage>;
    try {
      message = parseBehaviorMessage(delivery.body);
    } catch (error) {
      return deadLetter(delivery, (error as Error).message);
    }
    let reason: string;
    try {
      const result = await events.handle(message, MESSAGE_PATHS);
      const failed = result.outcomes.filter((outcome) => outcome.status === 'failed');
      if (failed.length === 0) return 'ack';
      reason = failed.map((outcome) => `${outcome.activityId}: ${outcome.reason ?? 'failed'}`).join('; ');
    } catch (error) {
      // Retrying cannot make a reused event id fit: the message goes to the dead letters now.
      if (error instanceof ConflictError) return deadLetter(delivery, error.message);
      reason = (error as Error).message;
    }
    if (delivery.attempt >= maxAttempts) return deadLetter(delivery, `failed after ${delivery.attempt} attempts: ${reason}`);
    logger?.info({ deliveryId: delivery.id, attempt: delivery.attempt, reason }, 'message will be retried');
    return 'retry';
  };
}
