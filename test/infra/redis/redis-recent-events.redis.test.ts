import { Redis } from 'ioredis';
import { afterAll, expect, it } from 'vitest';
import { RedisRecentEvents } from '../../../src/infra/redis/redis-recent-events.js';
import { describeRecentEventsConformance } from '../../conformance/recent-events.conformance.js';
import { REDIS_URL, uniqueName } from '../../support/services.js';
import { deleteKeys, keysUnder } from './redis-test-support.js';

const root = uniqueName('recent_events');
let nextTest = 0;

describeRecentEventsConformance('redis', async ({ capacity }) => {
  const prefix = `${root}:${++nextTest}:`;
  const redis = new Redis(REDIS_URL);
  return {
    store: new RedisRecentEvents(redis, { prefix, capacity }),
    close: async () => {
      await deleteKeys(redis, prefix);
      await redis.quit();
    },
  };
});

it('keeps the events in one capped list named `{prefix}events:recent`', async () => {
  const prefix = `${root}:key:`;
  const redis = new Redis(REDIS_URL);
  try {
    const log = new RedisRecentEvents(redis, { prefix, capacity: 3 });
    const base = {
      channelCode: 'c',
      userId: 'u',
      activityIds: [],
      status: 'skipped',
      outcomes: [],
      receivedAt: '2026-03-01T10:00:00.000Z',
      durationMs: 1,
    };
    await Promise.all([1, 2, 3, 4, 5].map((n) => log.append({ ...base, eventId: `e${n}` })));
    expect(await keysUnder(redis, prefix)).toEqual([`${prefix}events:recent`]);
    expect(await redis.llen(`${prefix}events:recent`)).toBe(3);
  } finally {
    await deleteKeys(redis, prefix);
    await redis.quit();
  }
});

afterAll(async () => {
  const redis = new Redis(REDIS_URL);
  try {
    expect(await keysUnder(redis, root)).toEqual([]);
  } finally {
    await redis.quit();
  }
});
