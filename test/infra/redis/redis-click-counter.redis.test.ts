import { afterAll, expect } from 'vitest';
import { RedisClickCounter } from '../../../src/infra/redis/redis-click-counter.js';
import { describeClickCounterConformance } from '../../conformance/click-counter.conformance.js';
import { uniqueName } from '../../support/services.js';
import { deleteKeys, isolatedRedisAdapters, keysUnder } from './redis-test-support.js';

const root = uniqueName('clicks');
let nextTest = 0;

describeClickCounterConformance('redis', async () => {
  const prefix = `${root}:${++nextTest}:`;
  const adapters = isolatedRedisAdapters(prefix);
  // A second connection stands for another API process sharing the Redis.
  const other = isolatedRedisAdapters(prefix);
  return {
    store: new RedisClickCounter(adapters.redis, { prefix }),
    peer: new RedisClickCounter(other.redis, { prefix }),
    close: async () => {
      await deleteKeys(adapters.redis, prefix);
      await other.close();
      await adapters.close();
    },
  };
});

afterAll(async () => {
  const adapters = isolatedRedisAdapters(`${root}:check:`);
  try {
    expect(await keysUnder(adapters.redis, `${root}:`)).toEqual([]);
  } finally {
    await adapters.close();
  }
});
