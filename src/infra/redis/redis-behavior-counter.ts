import { Cluster } from 'ioredis';
import type { BehaviorCount, BehaviorCounter, BehaviorOccurrence, BehaviorTally } from '../../domain/ports/behavior-counter.js';
import { LuaScript } from './lua-script.js';
import type { RedisClient } from './redis-connection.js';
import { withRedisErrors } from './redis-errors.js';
import { RedisKeys, toRedisTtlMs } from './redis-keys.js';

/**
 * Behaviors per script call on a single server: a batch's counts leave in a few commands instead
 * of one each (a command, a promise and a reply each is what bulk intake spent its CPU on), while
 * one call still holds Redis for only a few milliseconds.
 */
const COUNTS_PER_CALL = 100;

/**
 * Sliding windows per rule and user, each count atomic in one script (see record-behaviors-3n.lua),
 * so concurrent API processes fire a rule exactly once per `threshold` distinct behaviors.
 */
export class RedisBehaviorCounter implements BehaviorCounter {
  readonly #redis: RedisClient;
  readonly #keys: RedisKeys;
  readonly #script = new LuaScript('record-behaviors-3n.lua');

  constructor(redis: RedisClient, options: { readonly prefix: string }) {
    this.#redis = redis;
    this.#keys = new RedisKeys(options.prefix);
  }

  async record(input: BehaviorCount): Promise<BehaviorTally> {
    const [tally] = await this.#call([input]);
    if (tally === undefined) throw new Error('record-behaviors returned no reply');
    return tally;
  }

  /**
   * Chunks of counts per call, sent in input order on one connection, so counts of one window are
   * applied in their order. On a cluster one call's keys must share a slot, so there each count is
   * its own call (auto-pipelined per node).
   */
  async recordMany(inputs: readonly BehaviorCount[]): Promise<readonly BehaviorTally[]> {
    const perCall = this.#redis instanceof Cluster ? 1 : COUNTS_PER_CALL;
    const calls: Promise<BehaviorTally[]>[] = [];
    for (let start = 0; start < inputs.length; start += perCall) calls.push(this.#call(inputs.slice(start, start + perCall)));
    return (await Promise.all(calls)).flat();
  }

  #call(inputs: readonly BehaviorCount[]): Promise<BehaviorTally[]> {
    const keys: string[] = [];
    const args: (string | number)[] = [];
    for (const input of inputs) {
      const window = this.#keys.behaviorWindow(input.ruleKey, input.userId);
      const { eventId, atMs, itemId } = input.occurrence;
      const occurrence: BehaviorOccurrence = itemId === undefined ? { eventId, atMs } : { eventId, atMs, itemId };
      keys.push(window.seen, window.pending, window.fired);
      args.push(eventId, atMs, JSON.stringify(occurrence), toRedisTtlMs(input.windowMs), input.threshold);
    }
    return withRedisErrors(async () => {
      const replies = await this.#script.run(this.#redis, keys, args);
      if (!Array.isArray(replies) || replies.length !== inputs.length) throw new Error('record-behaviors returned an unexpected reply');
      return replies.map(toTally);
    });
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
