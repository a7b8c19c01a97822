import type { BehaviorCount, BehaviorCounter, BehaviorOccurrence, BehaviorTally } from '../../domain/ports/behavior-counter.js';
import { type LuaCall, LuaScript } from './lua-script.js';
import type { RedisClient } from './redis-connection.js';
import { withRedisErrors } from './redis-errors.js';
import { RedisKeys, toRedisTtlMs } from './redis-keys.js';

/**
 * Sliding windows per rule and user, each record one atomic script (see record-behavior-3.lua), so
 * concurrent API processes fire a rule exactly once per `threshold` distinct behaviors.
 */
export class RedisBehaviorCounter implements BehaviorCounter {
  readonly #redis: RedisClient;
  readonly #keys: RedisKeys;
  readonly #script = new LuaScript('record-behavior-3.lua');

  constructor(redis: RedisClient, options: { readonly prefix: string }) {
    this.#redis = redis;
    this.#keys = new RedisKeys(options.prefix);
  }

  record(input: BehaviorCount): Promise<BehaviorTally> {
    const { keys, args } = this.#call(input);
    return withRedisErrors(async () => toTally(await this.#script.run(this.#redis, keys, args)));
  }

  /** One pipeline for the whole batch (a bulk intake request), in input order. */
  recordMany(inputs: readonly BehaviorCount[]): Promise<readonly BehaviorTally[]> {
    return withRedisErrors(async () => {
      const replies = await this.#script.runMany(
        this.#redis,
        inputs.map((input) => this.#call(input)),
      );
      return replies.map(toTally);
    });
  }

  #call(input: BehaviorCount): LuaCall {
    const keys = this.#keys.behaviorWindow(input.ruleKey, input.userId);
    const { eventId, atMs, itemId } = input.occurrence;
    const occurrence: BehaviorOccurrence = itemId === undefined ? { eventId, atMs } : { eventId, atMs, itemId };
    return {
      keys: [keys.seen, keys.pending, keys.fired],
      args: [eventId, atMs, JSON.stringify(occurrence), toRedisTtlMs(input.windowMs), input.threshold],
    };
  }
}

function toTally(reply: unknown): BehaviorTally {
  if (!Array.isArray(reply) || typeof reply[1] !== 'string') throw new Error('record-behavior returned an unexpected reply');
  const occurrences = parseOccurrences(reply[1]);
  return { fired: reply[0] === 1, count: occurrences.length, occurrences };
}

function parseOccurrences(json: string): BehaviorOccurrence[] {
  const value: unknown = JSON.parse(json);
  if (!Array.isArray(value) || !value.every(isOccurrence)) throw new Error('stored behavior occurrences are malformed');
  return value;
}

function isOccurrence(value: unknown): value is BehaviorOccurrence {
  return (
    typeof value === 'object' &&
    value !== null &&
    'eventId' in value &&
    typeof value.eventId === 'string' &&
    'atMs' in value &&
    typeof value.atMs === 'number' &&
    (!('itemId' in value) || typeof value.itemId === 'string')
  );
}
