import type { Logger } from 'pino';
import { createRedisAdapters } from '../../infra/redis/redis-adapters.js';
import { RedisClickCounter } from '../../infra/redis/redis-click-counter.js';
import type { RedisTarget } from '../../infra/redis/redis-connection.js';
import { RedisEventFingerprints } from '../../infra/redis/redis-event-fingerprints.js';
import { RedisNonceStore } from '../../infra/redis/redis-nonce-store.js';
import { RedisRecentEvents } from '../../infra/redis/redis-recent-events.js';
import { RedisSoldOutMarks } from '../../infra/redis/redis-sold-out-marks.js';
import { retrying } from '../../service/retry.js';
import type { StateBackend } from './backends.js';

/** Per-user state on one shared connection to a Redis or a Redis Cluster, every key under `namespace:`. */
export function redisState(target: RedisTarget, namespace: string, logger: Logger | undefined, traced = false): StateBackend {
  const prefix = `${namespace}:`;
  const redis = createRedisAdapters({
    ...target,
    prefix,
    onConnectionError: (error) => logger?.warn({ err: error }, 'redis connection error'),
    traced,
  });
  // The Redis adapters surface transient faults; the PostgreSQL ones retry on their own.
  return {
    kind: 'url' in target ? 'redis' : 'redis-cluster',
    instances: retrying(redis.instances),
    locks: redis.locks,
    behaviors: retrying(redis.behaviors),
    traces: redis.traces,
    recentEvents: new RedisRecentEvents(redis.redis, { prefix }),
    changeFeed: redis.changeFeed,
    eventFingerprints: retrying(new RedisEventFingerprints(redis.redis, { prefix })),
    soldOutMarks: new RedisSoldOutMarks(redis.redis, { prefix }),
    // Admitting a click twice is harmless: the script counts an event id once.
    clicks: retrying(new RedisClickCounter(redis.redis, { prefix })),
    nonces: retrying(new RedisNonceStore(redis.redis, { prefix })),
    rateLimitRedis: redis.redis,
    close: () => redis.close(),
  };
}
