import type { Logger } from 'pino';
import { InvalidInputError } from '../domain/errors.js';
import type { Delivery, DeliveryHandler } from '../domain/ports/broker.js';
import type { DeadLetterStore } from '../domain/ports/dead-letter-store.js';
import { parseBehavior } from './behavior-body.js';
import type { Behavior, BehaviorIntake } from './behavior-intake.js';

/** Where raw-behavior dead letters come from: `<broker kind>:raw-behaviors`; replay sends them back there. */
export const RAW_BEHAVIORS_SOURCE_SUFFIX = ':raw-behaviors';

export interface RawBehaviorConsumerOptions {
  /** Counts each behavior against the rules and publishes the fired rules, as `POST /v1/behaviors` does. */
  readonly intake: BehaviorIntake;
  readonly deadLetters: DeadLetterStore;
  /** Deliveries of one message before it is dead-lettered. */
  readonly maxAttempts: number;
  /** The broker kind; dead letters get `<kind>:raw-behaviors` as their source. */
  readonly brokerKind: string;
  /** Called for every behavior recorded, e.g. to count it in the metrics. */
  readonly onRecorded?: (behavior: Behavior, fired: readonly string[]) => void;
  readonly logger?: Logger;
}

/**
 * Raw behaviors from the namespace's raw-behavior stream, queue or subject (clickstream relays that
 * do not want HTTP), in the body of `POST /v1/behaviors`. Each is validated on its own with the same
 * schema; a bad one goes straight to the dead letters with the field it got wrong. A good one is
 * counted and its fired rules published exactly as the HTTP intake does, and acknowledged only once
 * the broker confirmed those messages; a failure is retried, then dead-lettered.
 *
 * A behavior without `eventId` takes the delivery's id (the Redis entry id, the RabbitMQ
 * message-id, the NATS message id or sequence), which stays the same across redeliveries: counting
 * is idempotent by event id, so a redelivered behavior counts once and republishes the same message.
 */
export function rawBehaviorConsumer(options: RawBehaviorConsumerOptions): DeliveryHandler {
  const { intake, deadLetters, maxAttempts, brokerKind, onRecorded, logger } = options;
  const source = `${brokerKind}${RAW_BEHAVIORS_SOURCE_SUFFIX}`;
  const deadLetter = async (delivery: Delivery, body: string, reason: string) => {
    await deadLetters.add({ body, reason, attempts: delivery.attempt, source });
    logger?.warn({ deliveryId: delivery.id, attempts: delivery.attempt, reason }, 'raw behavior dead-lettered');
    return 'ack' as const;
  };
  return async (delivery) => {
    let parsed: { json: object; behavior: Behavior };
    try {
      parsed = parseRawBehavior(delivery.body);
    } catch (error) {
      return deadLetter(delivery, delivery.body, (error as Error).message);
    }
    const behavior: Behavior = { ...parsed.behavior, eventId: parsed.behavior.eventId ?? delivery.id };
    try {
      const { fired } = await intake.record(behavior);
      onRecorded?.(behavior, fired);
      return 'ack';
    } catch (error) {
      const reason = (error as Error).message;
      if (delivery.attempt < maxAttempts) {
        logger?.info({ deliveryId: delivery.id, attempt: delivery.attempt, reason }, 'raw behavior will be retried');
        return 'retry';
      }
      // The letter carries the event id it was counted under, so a replay cannot count it twice.
      const counted = JSON.stringify({ ...parsed.json, eventId: behavior.eventId });
      return deadLetter(delivery, counted, `failed after ${delivery.attempt} attempts: ${reason}`);
    }
  };
}

/**
 * A raw-behavior message body, validated as `POST /v1/behaviors` validates its body. Throws an
 * InvalidInputError whose message names each bad field: `invalid behavior: userId: is required …`.
 */
export function parseRawBehavior(body: string): { json: object; behavior: Behavior } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new InvalidInputError(`raw behavior is not JSON: ${(error as Error).message}`, [{ path: '(root)', message: 'not valid JSON' }]);
  }
  const parsed = parseBehavior(json, '');
  if ('error' in parsed) throw parsed.error;
  return { json: json as object, behavior: parsed.behavior };
}
