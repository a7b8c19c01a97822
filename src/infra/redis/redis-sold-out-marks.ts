import type { Redis } from 'ioredis';
import type { SoldOutMarks } from '../../domain/ports/sold-out-marks.js';
import { withRedisErrors } from './redis-errors.js';
import { RedisKeys, toRedisTtlMs } from './redis-keys.js';

/** Sold-out marks shared by every process of the deployment: one key per pool, with a TTL. */
export class RedisSoldOutMarks implements SoldOutMarks {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;

  constructor(redis: Redis, options: { readonly prefix: string }) {
    this.#redis = redis;
    this.#keys = new RedisKeys(options.prefix);
  }

  isMarked(pool: string): Promise<boolean> {
    return withRedisErrors(async () => (await this.#redis.exists(this.#keys.soldOut(pool))) === 1);
  }

  mark(pool: string, ttlMs: number): Promise<void> {
    return withRedisErrors(async () => {
      await this.#redis.set(this.#keys.soldOut(pool), '1', 'PX', toRedisTtlMs(ttlMs));
    });
  }

  clear(pool: string): Promise<void> {
    return withRedisErrors(async () => {
      await this.#redis.del(this.#keys.soldOut(pool));
    });
  }
}
