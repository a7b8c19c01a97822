import { afterAll, expect } from 'vitest';
import { RedisNonceStore } from '../../../src/infra/redis/redis-nonce-store.js';
import { describeNonceStoreConformance } from '../../conformance/nonce-store.conformance.js';
import { uniqueName } from '../../support/services.js';
import { isolatedRedisAdapters, keysUnder } from './redis-test-support.js';

const root = uniqueName('nonces');
let nextTest = 0;

describeNonceStoreConformance('redis', async () => {
  const prefix = `${root}:${++nextTest}:`;
  const adapters = isolatedRedisAdapters(prefix);
  // A second connection stands for another API process sharing the Redis.
  const other = isolatedRedisAdapters(prefix);
  return {
    store: new RedisNonceStore(adapters.redis, { prefix }),
    peer: new RedisNonceStore(other.redis, { prefix }),
    close: async () => {
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
