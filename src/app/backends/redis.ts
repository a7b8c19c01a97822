import type { Logger } from 'pino';
import { createRedisAdapters } from '../../infra/redis/redis-adapters.js';
import { RedisEventFingerprints } from '../../infra/redis/redis-event-fingerprints.js';
import { RedisNonceStore } from '../../infra/redis/redis-nonce-store.js';
import { RedisRecentEvents } from '../../infra/redis/redis-recent-events.js';
import { RedisSoldOutMarks } from '../../infra/redis/redis-sold-out-marks.js';
import { retrying } from '../../service/retry.js';
import type { StateBackend } from './backends.js';

/** Per-user state on one shared Redis connection, every key under `namespace:`. */
export function redisState(url: string, namespace: string, logger: Logger | undefined): StateBackend {
  const prefix = `${namespace}:`;
  const redis = createRedisAdapters({
    url,
    prefix,
    onConnectionError: (error) => logger?.warn({ err: error }, 'redis connection error'),
  });
  // The Redis adapters surface transient faults; the PostgreSQL ones retry on their own.
  return {
    kind: 'redis',
    instances: retrying(redis.instances),
    locks: redis.locks,
    behaviors: retrying(redis.behaviors),
    traces: redis.traces,
    recentEvents: new RedisRecentEvents(redis.redis, { prefix }),
    changeFeed: redis.changeFeed,
    eventFingerprints: retrying(new RedisEventFingerprints(redis.redis, { prefix })),
    soldOutMarks: new RedisSoldOutMarks(redis.redis, { prefix }),
    nonces: retrying(new RedisNonceStore(redis.redis, { prefix })),
    rateLimitRedis: redis.redis,
    close: () => redis.close(),
  };
}
