import type { Redis } from 'ioredis';
import { createRedisAdapters, type RedisAdapterSettings, type RedisAdapters } from '../../../src/infra/redis/redis-adapters.js';
import { isCluster, type RedisClient, type RedisTarget } from '../../../src/infra/redis/redis-connection.js';
import { REDIS_URL } from '../../support/services.js';

/**
 * Adapters on their own key prefix (on the test Redis, or on `target`, e.g. the local cluster);
 * `close()` deletes every key under the prefix, then disconnects.
 */
export function isolatedRedisAdapters(
  prefix: string,
  options: Partial<Omit<RedisAdapterSettings, 'prefix'>> & { readonly target?: RedisTarget } = {},
): RedisAdapters {
  const { target = { url: REDIS_URL }, ...settings } = options;
  const adapters = createRedisAdapters({ ...target, ...settings, prefix });
  return {
    ...adapters,
    close: async () => {
      await deleteKeys(adapters.redis, prefix);
      await adapters.close();
    },
  };
}

/** Every key under `prefix`; on a cluster, from every master (SCAN sees only its own node). */
export async function keysUnder(redis: RedisClient, prefix: string): Promise<string[]> {
  const nodes: Redis[] = isCluster(redis) ? redis.nodes('master') : [redis];
  const found: string[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      found.push(...keys);
      cursor = next;
    } while (cursor !== '0');
  }
  return found.sort();
}

export async function deleteKeys(redis: RedisClient, prefix: string): Promise<void> {
  const keys = await keysUnder(redis, prefix);
  // Key by key on a cluster: one UNLINK of keys from several slots is refused (CROSSSLOT).
  if (isCluster(redis)) {
    await Promise.all(keys.map((key) => redis.unlink(key)));
    return;
  }
  for (let i = 0; i < keys.length; i += 500) await redis.unlink(...keys.slice(i, i + 500));
}
