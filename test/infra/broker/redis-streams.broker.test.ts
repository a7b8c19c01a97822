import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { Delivery } from '../../../src/domain/ports/broker.js';
import type { BrokerAdapter } from '../../../src/infra/broker/broker-adapter.js';
import { createBroker } from '../../../src/infra/broker/create-broker.js';
import { redisStreamKeys } from '../../../src/infra/broker/redis/redis-stream-keys.js';
import { behavior, describeBrokerConformance, eventIdOf, waitFor } from '../../conformance/broker.conformance.js';
import { sleep } from '../../conformance/conformance-support.js';
import { REDIS_URL, uniqueName } from '../../support/services.js';
import { eventually } from '../../support/timing.js';

describeBrokerConformance('redis streams', () =>
  createBroker(REDIS_URL, { name: uniqueName('broker_redis'), retryDelayMs: () => 20, ackWaitMs: 5_000 }),
);

describe('Redis Streams broker', () => {
  const opened: Array<{ broker: BrokerAdapter; redis?: Redis }> = [];

  afterEach(async () => {
    for (const { broker, redis } of opened.splice(0)) {
      await broker.deleteTopology();
      await broker.close();
      redis?.disconnect();
    }
  });

  it('keeps its keys under one hash tag, so the Lua scripts that touch both work on Redis Cluster', () => {
    const keys = redisStreamKeys('sc');
    expect(keys.stream).toBe('{sc}:behaviors');
    expect(keys.retries).toBe('{sc}:behaviors:retries');
  });

  it('another consumer takes over what a dead consumer left pending, once ack wait has passed (XAUTOCLAIM)', async () => {
    const name = uniqueName('broker_redis_claim');
    const ackWaitMs = 1_000;
    const rescuerBroker = await createBroker(REDIS_URL, { name, consumerName: 'rescuer', ackWaitMs, retryDelayMs: () => 20 });
    const redis = new Redis(REDIS_URL);
    opened.push({ broker: rescuerBroker, redis });
    const messages = Array.from({ length: 5 }, (_, index) => behavior(index));
    for (const message of messages) await rescuerBroker.publish(message);

    // A consumer that reads and then dies: its entries stay pending under its name, never acked.
    const keys = redisStreamKeys(name);
    await redis.xreadgroup('GROUP', keys.group, 'doomed', 'COUNT', 10, 'STREAMS', keys.stream, '>');
    const diedAt = Date.now();

    const rescued: Array<Delivery & { atMs: number }> = [];
    await rescuerBroker.subscribe(
      async (delivery) => {
        rescued.push({ ...delivery, atMs: Date.now() });
        return 'ack';
      },
      { concurrency: 4 },
    );

    await waitFor(
      () => rescued.length === messages.length,
      15_000,
      () => `${rescued.length} rescued`,
    );
    expect(rescued.map(eventIdOf).sort()).toEqual(messages.map((message) => message.eventId).sort());
    // Second delivery of each: the dead consumer had the first.
    expect(rescued.every((delivery) => delivery.attempt === 2)).toBe(true);
    expect(Math.min(...rescued.map((delivery) => delivery.atMs)) - diedAt).toBeGreaterThanOrEqual(ackWaitMs - 50);
    // The acks of the rescued deliveries land after their handlers returned: wait for them, not for a fixed time.
    await eventually(
      async () => (await redis.xpending(keys.stream, keys.group))[0] === 0,
      10_000,
      () => 'deliveries still pending',
    );
    expect(await redis.xpending(keys.stream, keys.group)).toEqual([0, null, null, null]);
  });

  it('a stalled handler loses its message to a claim after ack wait, and the stall is counted as an attempt', async () => {
    const name = uniqueName('broker_redis_stall');
    const broker = await createBroker(REDIS_URL, { name, ackWaitMs: 800, retryDelayMs: () => 20 });
    opened.push({ broker });
    await broker.publish(behavior(1));

    const attempts: number[] = [];
    await broker.subscribe(
      async (delivery) => {
        attempts.push(delivery.attempt);
        if (delivery.attempt === 1) await sleep(2_500);
        return 'ack';
      },
      { concurrency: 2 },
    );

    await waitFor(
      () => attempts.length >= 2,
      10_000,
      () => `attempts ${attempts.join(',')}`,
    );
    expect(attempts).toEqual([1, 2]);
  });

  it('keeps a scheduled retry in Redis, so a consumer other than the one that failed delivers it', async () => {
    const name = uniqueName('broker_redis_retry');
    const failing = await createBroker(REDIS_URL, { name, consumerName: 'failing', retryDelayMs: () => 300 });
    const healthy = await createBroker(REDIS_URL, { name, consumerName: 'healthy', retryDelayMs: () => 300 });
    opened.push({ broker: healthy }, { broker: failing });
    await failing.publish(behavior(1));

    const failed: Delivery[] = [];
    const failingSubscription = await failing.subscribe(
      async (delivery) => {
        failed.push(delivery);
        return 'retry';
      },
      { concurrency: 1 },
    );
    await waitFor(
      () => failed.length === 1,
      10_000,
      () => 'no first delivery',
    );
    await failingSubscription.close();

    const delivered: Delivery[] = [];
    await healthy.subscribe(
      async (delivery) => {
        delivered.push(delivery);
        return 'ack';
      },
      { concurrency: 1 },
    );
    await waitFor(
      () => delivered.length === 1,
      10_000,
      () => 'retry never delivered',
    );
    expect(delivered[0]?.attempt).toBe(2);
    expect(delivered[0]?.id).toBe(failed[0]?.id);
  });
});
