import type { InstanceKey, PreparedData } from '../../domain/instance-context.js';
import type { InstanceStore } from '../../domain/ports/instance-store.js';
import { defineLuaScript } from './batched-lua-script.js';
import type { LuaCaller } from './lua-script.js';
import type { RedisClient } from './redis-connection.js';
import { fencedWriteFailure, withRedisErrors } from './redis-errors.js';
import { RedisKeys, toRedisTtlMs } from './redis-keys.js';

/**
 * How long the highest accepted fence is remembered after the last fenced write. It must outlive
 * any pause a stale lock holder may wake from; the lock's own fence counter never expires, so a
 * forgotten fence only re-arms at the next holder's (higher) token.
 */
export const DEFAULT_FENCE_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

export interface RedisInstanceStoreOptions {
  readonly prefix: string;
  readonly fenceRetentionMs?: number;
}

/** Prepared data as JSON with a PX ttl; fenced writes are checked and written in one script. */
export class RedisInstanceStore implements InstanceStore {
  readonly #redis: RedisClient;
  readonly #keys: RedisKeys;
  readonly #fenceRetentionMs: number;
  readonly #putPrepared: LuaCaller;

  constructor(redis: RedisClient, options: RedisInstanceStoreOptions) {
    this.#redis = redis;
    this.#keys = new RedisKeys(options.prefix);
    this.#fenceRetentionMs = toRedisTtlMs(options.fenceRetentionMs ?? DEFAULT_FENCE_RETENTION_MS);
    this.#putPrepared = defineLuaScript(redis, 'put-prepared-2.lua');
  }

  getPrepared(key: InstanceKey): Promise<PreparedData | undefined> {
    return withRedisErrors(async () => {
      const json = await this.#redis.get(this.#keys.prepared(key));
      return json === null ? undefined : parsePreparedData(json);
    });
  }

  async putPrepared(key: InstanceKey, data: PreparedData, ttlMs: number, fence?: number): Promise<void> {
    if (fence !== undefined && !Number.isSafeInteger(fence)) throw new RangeError(`fencing token must be a whole number, got ${fence}`);
    const dataKey = this.#keys.prepared(key);
    return withRedisErrors(async () => {
      const reply = await this.#putPrepared(
        [dataKey, this.#keys.preparedFence(key)],
        [JSON.stringify(data), toRedisTtlMs(ttlMs), fence ?? '', this.#fenceRetentionMs],
      );
      const failure = fencedWriteFailure(reply, { key: dataKey, fence });
      if (failure) throw failure;
    });
  }

  deletePrepared(key: InstanceKey): Promise<void> {
    // The fence stays: deleting data must not let a stale holder write it back.
    return withRedisErrors(async () => {
      await this.#redis.del(this.#keys.prepared(key));
    });
  }
}

function parsePreparedData(json: string): PreparedData {
  const value: unknown = JSON.parse(json);
  if (
    typeof value === 'object' &&
    value !== null &&
    'template' in value &&
    typeof value.template === 'string' &&
    'eventId' in value &&
    typeof value.eventId === 'string' &&
    'data' in value &&
    typeof value.data === 'object'
  ) {
    return value as PreparedData;
  }
  throw new Error('stored prepared data is not a PreparedData object');
}
