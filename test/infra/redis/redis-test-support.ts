import type { Redis } from 'ioredis';
import { createRedisAdapters, type RedisAdapterOptions, type RedisAdapters } from '../../../src/infra/redis/redis-adapters.js';
import { REDIS_URL } from '../../support/services.js';

/** Adapters on their own key prefix; `close()` deletes every key under it, then disconnects. */
export function isolatedRedisAdapters(prefix: string, options: Partial<Omit<RedisAdapterOptions, 'prefix'>> = {}): RedisAdapters {
  const adapters = createRedisAdapters({ url: REDIS_URL, ...options, prefix });
  return {
    ...adapters,
    close: async () => {
      await deleteKeys(adapters.redis, prefix);
      await adapters.close();
    },
  };
}

export async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    found.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return found.sort();
}

export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  const keys = await keysUnder(redis, prefix);
  for (let i = 0; i < keys.length; i += 500) await redis.unlink(...keys.slice(i, i + 500));
}
