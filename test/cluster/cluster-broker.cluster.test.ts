import type { Cluster } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../../src/domain/errors.js';
import type { Delivery } from '../../src/domain/ports/broker.js';
import type { BrokerAdapter } from '../../src/infra/broker/broker-adapter.js';
import { createBroker } from '../../src/infra/broker/create-broker.js';
import { redisStreamShards, streamShardOf } from '../../src/infra/broker/redis/redis-stream-keys.js';
import { RedisStreamsBroker } from '../../src/infra/broker/redis/redis-streams-broker.js';
import { createRedisClient } from '../../src/infra/redis/redis-connection.js';
import { behavior, describeBrokerConformance, eventIdOf, waitFor } from '../conformance/broker.conformance.js';
import { sleep } from '../conformance/conformance-support.js';
import { uniqueName } from '../support/services.js';
import { CLUSTER_NODE_URL, CLUSTER_TARGET, CLUSTER_UP } from './cluster-support.js';

/** The Redis Streams broker on the local cluster: BROKER_URL names one node, the streams spread over all. */
const onCluster = (name: string, options: { consumerName?: string; streamShards?: number; ackWaitMs?: number } = {}) =>
  createBroker(CLUSTER_NODE_URL, { name, redisCluster: true, retryDelayMs: () => 20, ackWaitMs: 5_000, ...options });

describe.skipIf(!CLUSTER_UP)('Redis Streams broker on a Redis Cluster', () => {
  describeBrokerConformance('redis streams on a cluster (8 shards)', () => onCluster(uniqueName('cluster_broker')));

  const opened: BrokerAdapter[] = [];
  afterEach(async () => {
    for (const broker of opened.splice(0)) {
      await broker.deleteTopology();
      await broker.close();
    }
  });

  it('spreads the 8 streams over all three masters, and a user always lands on the same stream', async () => {
    const name = uniqueName('cluster_shards');
    opened.push(await onCluster(name));
    const redis = createRedisClient(CLUSTER_TARGET);
    try {
      const streams = redisStreamShards(name, 8);
      const owners = new Set<string>();
      for (const shard of streams) {
        const slot = Number(await redis.cluster('KEYSLOT', shard.stream));
        expect(await redis.cluster('KEYSLOT', shard.retries)).toBe(slot);
        owners.add(String((redis as Cluster).slots[slot]?.[0]));
      }
      expect(owners.size).toBe(3);
      expect(streamShardOf('user-42', 8)).toBe(streamShardOf('user-42', 8));
      const used = new Set(Array.from({ length: 200 }, (_, i) => streamShardOf(`u${i}`, 8)));
      expect(used.size).toBe(8);
    } finally {
      await redis.quit();
    }
  });

  it("keeps one user's messages in publish order through one consumer", async () => {
    const name = uniqueName('cluster_order');
    const broker = await onCluster(name);
    opened.push(broker);
    const messages = Array.from({ length: 50 }, (_, i) => ({ ...behavior(i), userId: 'same-user' }));
    for (const message of messages) await broker.publish(message);
    const seen: string[] = [];
    await broker.subscribe(
      async (delivery: Delivery) => {
        seen.push(eventIdOf(delivery));
        return 'ack';
      },
      { concurrency: 1 },
    );
    await waitFor(
      () => seen.length === messages.length,
      15_000,
      () => `${seen.length} delivered`,
    );
    expect(seen).toEqual(messages.map((message) => message.eventId));
  });

  it("close() cuts every stream's blocked read short on the master that holds it (CLIENT UNBLOCK), not waiting out BLOCK", async () => {
    const name = uniqueName('cluster_unblock');
    // Reads that block 30 s, and no claim to shorten them: only an unblock ends them soon.
    const broker = await RedisStreamsBroker.connect(CLUSTER_NODE_URL, {
      name,
      redisCluster: true,
      blockMs: 30_000,
      claimIntervalMs: 60_000,
      ackWaitMs: 60_000,
    });
    opened.push(broker);
    const subscription = await broker.subscribe(async () => 'ack', { concurrency: 16 });
    await sleep(500);
    const startedAt = Date.now();
    await subscription.close();
    expect(Date.now() - startedAt).toBeLessThan(15_000);
  });

  it('refuses to start a process with another shard count on the same namespace, naming BROKER_STREAM_SHARDS', async () => {
    const name = uniqueName('cluster_guard');
    opened.push(await onCluster(name, { streamShards: 8 }));
    const error = await onCluster(name, { streamShards: 4 }).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect((error as InvalidConfigError).details[0]?.path).toBe('BROKER_STREAM_SHARDS');
    expect(String((error as Error).message)).toMatch(/8 stream shard/);
  });
});
