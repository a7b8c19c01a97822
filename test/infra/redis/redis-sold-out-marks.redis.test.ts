import { afterAll, expect } from 'vitest';
import { RedisSoldOutMarks } from '../../../src/infra/redis/redis-sold-out-marks.js';
import { describeSoldOutMarksConformance } from '../../conformance/sold-out-marks.conformance.js';
import { uniqueName } from '../../support/services.js';
import { deleteKeys, isolatedRedisAdapters, keysUnder } from './redis-test-support.js';

const root = uniqueName('sold_out_marks');
let nextTest = 0;

describeSoldOutMarksConformance('redis', async () => {
  const prefix = `${root}:${++nextTest}:`;
  const adapters = isolatedRedisAdapters(prefix);
  return {
    marks: new RedisSoldOutMarks(adapters.redis, { prefix }),
    close: async () => {
      await deleteKeys(adapters.redis, prefix);
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
