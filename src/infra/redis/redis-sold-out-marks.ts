import type { SoldOutMarks } from '../../domain/ports/sold-out-marks.js';
import type { RedisClient } from './redis-connection.js';
import { withRedisErrors } from './redis-errors.js';
import { RedisKeys, toRedisTtlMs } from './redis-keys.js';

/**
 * Sold-out marks shared by every process of the deployment: per pool, a mark key holding the epoch
 * it was set in (with a TTL), an epoch counter that reopening increments, and a key per holder.
 * All share the pool's hash tag, so one MGET reads what a click needs.
 */
export class RedisSoldOutMarks implements SoldOutMarks {
  readonly #redis: RedisClient;
  readonly #keys: RedisKeys;

  constructor(redis: RedisClient, options: { readonly prefix: string }) {
    this.#redis = redis;
    this.#keys = new RedisKeys(options.prefix);
  }

  read(pool: string, holder: string): Promise<{ soldOut: boolean; epoch: string; holder: boolean }> {
    const { mark, epoch } = this.#keys.soldOut(pool);
    return withRedisErrors(async () => {
      const [marked, current, held] = await this.#redis.mget(mark, epoch, this.#keys.poolHolder(pool, holder));
      const currentEpoch = current ?? '0';
      return { soldOut: marked === currentEpoch, epoch: currentEpoch, holder: held !== null };
    });
  }

  mark(pool: string, epoch: string, ttlMs: number): Promise<void> {
    return withRedisErrors(async () => {
      await this.#redis.set(this.#keys.soldOut(pool).mark, epoch, 'PX', toRedisTtlMs(ttlMs));
    });
  }

  reopen(pool: string): Promise<void> {
    const { mark, epoch } = this.#keys.soldOut(pool);
    return withRedisErrors(async () => {
      await this.#redis.multi().incr(epoch).del(mark).exec();
    });
  }

  recordHolder(pool: string, holder: string, ttlMs: number): Promise<void> {
    return withRedisErrors(async () => {
      await this.#redis.set(this.#keys.poolHolder(pool, holder), '1', 'PX', toRedisTtlMs(ttlMs));
    });
  }
}
