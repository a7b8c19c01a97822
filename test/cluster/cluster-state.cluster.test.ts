import { afterAll, describe, expect, it } from 'vitest';
import { createRedisAdapters } from '../../src/infra/redis/redis-adapters.js';
import { RedisChangeFeed } from '../../src/infra/redis/redis-change-feed.js';
import { RedisClickCounter } from '../../src/infra/redis/redis-click-counter.js';
import { createRedisClient } from '../../src/infra/redis/redis-connection.js';
import { RedisEventFingerprints } from '../../src/infra/redis/redis-event-fingerprints.js';
import { RedisNonceStore } from '../../src/infra/redis/redis-nonce-store.js';
import { RedisRecentEvents } from '../../src/infra/redis/redis-recent-events.js';
import { RedisSoldOutMarks } from '../../src/infra/redis/redis-sold-out-marks.js';
import { describeBehaviorCounterConformance } from '../conformance/behavior-counter.conformance.js';
import { describeChangeFeedConformance } from '../conformance/change-feed.conformance.js';
import { describeClickCounterConformance } from '../conformance/click-counter.conformance.js';
import { describeEventFingerprintsConformance } from '../conformance/event-fingerprints.conformance.js';
import { describeInstanceStoreConformance } from '../conformance/instance-store.conformance.js';
import { describeLockStoreConformance } from '../conformance/lock-store.conformance.js';
import { describeNonceStoreConformance } from '../conformance/nonce-store.conformance.js';
import { describeRecentEventsConformance } from '../conformance/recent-events.conformance.js';
import { describeSoldOutMarksConformance } from '../conformance/sold-out-marks.conformance.js';
import { describeTraceStoreConformance } from '../conformance/trace-store.conformance.js';
import { isolatedRedisAdapters, keysUnder } from '../infra/redis/redis-test-support.js';
import { uniqueName } from '../support/services.js';
import { CLUSTER_TARGET, CLUSTER_UP, keysPerMaster } from './cluster-support.js';

/** The Redis conformance suites, as test/infra/redis runs them on one Redis, on the local cluster. */
const root = uniqueName('cluster_state');
let nextTest = 0;
const testPrefix = () => `${root}:${++nextTest}:`;
const onCluster = (prefix: string, options: { maxTracesPerEvent?: number } = {}) =>
  isolatedRedisAdapters(prefix, { target: CLUSTER_TARGET, ...options });

describe.skipIf(!CLUSTER_UP)('Redis adapters on a Redis Cluster', () => {
  describeInstanceStoreConformance('redis cluster', async () => {
    const adapters = onCluster(testPrefix());
    return { store: adapters.instances, close: adapters.close };
  });

  describeLockStoreConformance('redis cluster', async () => {
    const adapters = onCluster(testPrefix());
    return { store: adapters.locks, close: adapters.close };
  });

  describeBehaviorCounterConformance('redis cluster', async () => {
    const adapters = onCluster(testPrefix());
    return { store: adapters.behaviors, close: adapters.close };
  });

  describeTraceStoreConformance('redis cluster', async ({ maxTracesPerEvent }) => {
    const adapters = onCluster(testPrefix(), { maxTracesPerEvent });
    return { store: adapters.traces, close: adapters.close };
  });

  describeEventFingerprintsConformance('redis cluster', async () => {
    const prefix = testPrefix();
    const adapters = onCluster(prefix);
    return { store: new RedisEventFingerprints(adapters.redis, { prefix }), close: adapters.close };
  });

  describeNonceStoreConformance('redis cluster', async () => {
    const prefix = testPrefix();
    const adapters = onCluster(prefix);
    const other = onCluster(prefix);
    return {
      store: new RedisNonceStore(adapters.redis, { prefix }),
      peer: new RedisNonceStore(other.redis, { prefix }),
      close: async () => {
        await other.close();
        await adapters.close();
      },
    };
  });

  describeClickCounterConformance('redis cluster', async () => {
    const prefix = testPrefix();
    const adapters = onCluster(prefix);
    const other = onCluster(prefix);
    return {
      store: new RedisClickCounter(adapters.redis, { prefix }),
      peer: new RedisClickCounter(other.redis, { prefix }),
      close: async () => {
        await other.close();
        await adapters.close();
      },
    };
  });

  describeRecentEventsConformance('redis cluster', async ({ capacity }) => {
    const prefix = testPrefix();
    const adapters = onCluster(prefix);
    return { store: new RedisRecentEvents(adapters.redis, { prefix, capacity }), close: adapters.close };
  });

  describeSoldOutMarksConformance('redis cluster', async () => {
    const prefix = testPrefix();
    const adapters = onCluster(prefix);
    return { marks: new RedisSoldOutMarks(adapters.redis, { prefix }), close: adapters.close };
  });

  describeChangeFeedConformance('redis cluster', async () => {
    const channel = `${uniqueName('feed')}:config-changes`;
    const connections = [createRedisClient(CLUSTER_TARGET), createRedisClient(CLUSTER_TARGET)];
    const [publisher, subscriber] = connections.map((redis) => new RedisChangeFeed(redis, { channel })) as [
      RedisChangeFeed,
      RedisChangeFeed,
    ];
    return {
      publisher,
      subscriber,
      close: async () => {
        await publisher.close();
        await subscriber.close();
        for (const redis of connections) await redis.quit();
      },
    };
  });

  it('spreads the keys of many instances over all three masters, each script still on one node', async () => {
    const prefix = testPrefix();
    const adapters = createRedisAdapters({ ...CLUSTER_TARGET, prefix });
    try {
      for (let user = 0; user < 60; user += 1) {
        const instance = { activityId: 'act-1', userId: `u${user}` };
        const fence = await adapters.locks.tryAcquire(`lock:{act-1:u${user}}`, 'owner', 10_000);
        const prepared = { template: 't@1', eventId: `e${user}`, preparedAt: new Date().toISOString(), data: {} };
        await adapters.instances.putPrepared(instance, prepared, 60_000, fence);
        await adapters.behaviors.record({
          ruleKey: 'r',
          userId: `u${user}`,
          occurrence: { eventId: `b${user}`, atMs: Date.now() },
          windowMs: 60_000,
          threshold: 3,
        });
      }
      const perMaster = await keysPerMaster(adapters.redis, prefix);
      expect(perMaster).toHaveLength(3);
      for (const count of perMaster) expect(count).toBeGreaterThan(0);
      // A lock, its fencing counter, the prepared data and its fence share one slot: one node.
      const keys = await keysUnder(adapters.redis, `${prefix}`);
      const ofUser7 = keys.filter((key) => key.includes('{act-1:u7}'));
      expect(ofUser7.length).toBeGreaterThanOrEqual(4);
      const slots = await Promise.all(ofUser7.map((key) => adapters.redis.cluster('KEYSLOT', key)));
      expect(new Set(slots).size).toBe(1);
    } finally {
      const keys = await keysUnder(adapters.redis, prefix);
      await Promise.all(keys.map((key) => adapters.redis.unlink(key)));
      await adapters.close();
    }
  });
});

afterAll(async () => {
  if (!CLUSTER_UP) return;
  const adapters = onCluster(`${root}:check:`);
  try {
    expect(await keysUnder(adapters.redis, root)).toEqual([]);
  } finally {
    await adapters.close();
  }
});
