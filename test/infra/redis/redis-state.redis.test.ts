import { Redis } from 'ioredis';
import { afterAll, expect } from 'vitest';
import { describeBehaviorCounterConformance } from '../../conformance/behavior-counter.conformance.js';
import { describeInstanceStoreConformance } from '../../conformance/instance-store.conformance.js';
import { describeLockStoreConformance } from '../../conformance/lock-store.conformance.js';
import { describeTraceStoreConformance } from '../../conformance/trace-store.conformance.js';
import { REDIS_URL, uniqueName } from '../../support/services.js';
import { isolatedRedisAdapters, keysUnder } from './redis-test-support.js';

/** Every test gets its own prefix under this file's root; afterAll proves nothing was left behind. */
const root = uniqueName('redis_state');
let nextTest = 0;
const testPrefix = () => `${root}:${++nextTest}:`;

describeInstanceStoreConformance('redis', async () => {
  const adapters = isolatedRedisAdapters(testPrefix());
  return { store: adapters.instances, close: adapters.close };
});

describeLockStoreConformance('redis', async () => {
  const adapters = isolatedRedisAdapters(testPrefix());
  return { store: adapters.locks, close: adapters.close };
});

describeBehaviorCounterConformance('redis', async () => {
  const adapters = isolatedRedisAdapters(testPrefix());
  return { store: adapters.behaviors, close: adapters.close };
});

describeTraceStoreConformance('redis', async ({ maxTracesPerEvent }) => {
  const adapters = isolatedRedisAdapters(testPrefix(), { maxTracesPerEvent });
  return { store: adapters.traces, close: adapters.close };
});

afterAll(async () => {
  const redis = new Redis(REDIS_URL);
  try {
    expect(await keysUnder(redis, root)).toEqual([]);
  } finally {
    await redis.quit();
  }
});
