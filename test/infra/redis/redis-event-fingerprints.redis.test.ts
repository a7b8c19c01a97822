import { afterAll, expect } from 'vitest';
import { RedisEventFingerprints } from '../../../src/infra/redis/redis-event-fingerprints.js';
import { describeEventFingerprintsConformance } from '../../conformance/event-fingerprints.conformance.js';
import { uniqueName } from '../../support/services.js';
import { isolatedRedisAdapters, keysUnder } from './redis-test-support.js';

const root = uniqueName('event_fingerprints');
let nextTest = 0;

describeEventFingerprintsConformance('redis', async () => {
  const prefix = `${root}:${++nextTest}:`;
  const adapters = isolatedRedisAdapters(prefix);
  const store = new RedisEventFingerprints(adapters.redis, { prefix });
  return { store, close: adapters.close };
});

afterAll(async () => {
  const adapters = isolatedRedisAdapters(`${root}:check:`);
  try {
    expect(await keysUnder(adapters.redis, `${root}:`)).toEqual([]);
  } finally {
    await adapters.close();
  }
});
