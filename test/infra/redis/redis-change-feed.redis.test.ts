import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { RedisChangeFeed } from '../../../src/infra/redis/redis-change-feed.js';
import { describeChangeFeedConformance, recordingListener } from '../../conformance/change-feed.conformance.js';
import { REDIS_URL, uniqueName } from '../../support/services.js';

describeChangeFeedConformance('redis', async () => {
  const channel = `${uniqueName('feed')}:config-changes`;
  const connections = [new Redis(REDIS_URL), new Redis(REDIS_URL)];
  const [publisher, subscriber] = connections.map((redis) => new RedisChangeFeed(redis, { channel })) as [RedisChangeFeed, RedisChangeFeed];
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

describe('Redis change feed', () => {
  it('the subscriber reconnects after its connection is killed, asks for a resync, and delivers again', async () => {
    const name = uniqueName('feed_kill');
    // The subscriber's connection is a duplicate, so it carries this name too; the publisher's is another.
    const redis = new Redis(REDIS_URL, { connectionName: name });
    const publisherRedis = new Redis(REDIS_URL);
    const channel = `${name}:config-changes`;
    const feed = new RedisChangeFeed(redis, { channel });
    const publisher = new RedisChangeFeed(publisherRedis, { channel });
    try {
      const listener = recordingListener();
      await feed.subscribe(listener);
      const clients = (await publisherRedis.client('LIST')) as string;
      const subscriberIds = clients
        .split('\n')
        .filter((line) => line.includes(`name=${name} `) && /sub=1 /.test(line))
        .map((line) => /id=(\d+)/.exec(line)?.[1] as string);
      expect(subscriberIds).toHaveLength(1);
      await publisherRedis.client('KILL', 'ID', subscriberIds[0] as string);
      await expect.poll(() => listener.resyncs.length, { timeout: 5_000 }).toBe(1);
      const notice = { kind: 'template' as const, id: 'item-promotion@4.0', origin: 'p', actor: 'a', body: { id: 'item-promotion' } };
      await expect
        .poll(
          async () => {
            await publisher.publish(notice);
            return listener.notices.length > 0;
          },
          { timeout: 5_000, interval: 200 },
        )
        .toBe(true);
      expect(listener.notices[0]).toEqual(notice);
    } finally {
      await feed.close();
      await redis.quit();
      await publisherRedis.quit();
    }
  });
});
