import type { BehaviorCounter, BehaviorOccurrence } from '../../domain/ports/behavior-counter.js';
import { defineLuaScript, type LuaCaller } from './lua-script.js';
import type { RedisClient } from './redis-connection.js';
import { withRedisErrors } from './redis-errors.js';
import { RedisKeys, toRedisTtlMs } from './redis-keys.js';

/**
 * Sliding windows per rule and user, each record one atomic script (see record-behavior-3.lua), so
 * concurrent API processes fire a rule exactly once per `threshold` distinct behaviors.
 */
export class RedisBehaviorCounter implements BehaviorCounter {
  readonly #keys: RedisKeys;
  readonly #record: LuaCaller;

  constructor(redis: RedisClient, options: { readonly prefix: string }) {
    this.#keys = new RedisKeys(options.prefix);
    this.#record = defineLuaScript(redis, 'record-behavior-3.lua');
  }

  record(input: {
    ruleKey: string;
    userId: string;
    occurrence: BehaviorOccurrence;
    windowMs: number;
    threshold: number;
  }): Promise<{ fired: boolean; count: number; occurrences: readonly BehaviorOccurrence[] }> {
    const keys = this.#keys.behaviorWindow(input.ruleKey, input.userId);
    const { eventId, atMs, itemId } = input.occurrence;
    const occurrence: BehaviorOccurrence = itemId === undefined ? { eventId, atMs } : { eventId, atMs, itemId };
    return withRedisErrors(async () => {
      const reply = await this.#record(
        [keys.seen, keys.pending, keys.fired],
        [eventId, atMs, JSON.stringify(occurrence), toRedisTtlMs(input.windowMs), input.threshold],
      );
      if (!Array.isArray(reply) || typeof reply[1] !== 'string') throw new Error('record-behavior returned an unexpected reply');
      const occurrences = parseOccurrences(reply[1]);
      return { fired: reply[0] === 1, count: occurrences.length, occurrences };
    });
  }
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
