import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { defineLuaScript } from '../../../src/infra/redis/batched-lua-script.js';
import { REDIS_URL, uniqueName } from '../../support/services.js';
import { deleteKeys } from './redis-test-support.js';

const prefix = `${uniqueName('batched_lua')}:`;
let redis: Redis;

beforeAll(() => {
  redis = new Redis(REDIS_URL, { enableAutoPipelining: true });
});

afterAll(async () => {
  await deleteKeys(redis, prefix);
  redis.disconnect();
});

describe('a Lua script on a single Redis, called many times in one turn', () => {
  it('runs as one EVALSHA, each caller answered with its own reply, in order, as if alone', async () => {
    const acquire = defineLuaScript(redis, 'acquire-lock-2.lua');
    const evalsha = vi.spyOn(redis, 'evalsha');
    try {
      // 300 locks, the same one asked twice: its second call sees the first one's write.
      const calls = Array.from({ length: 300 }, (_, i) => `${prefix}lock:${i}`);
      calls.push(`${prefix}lock:7`);
      const fences = await Promise.all(calls.map((key, i) => acquire([key, `${key}:fence`], [`owner-${i}`, 10_000])));
      expect(evalsha).toHaveBeenCalledTimes(1);
      expect(fences.slice(0, 300)).toEqual(Array.from({ length: 300 }, () => 1));
      expect(fences[300]).toBeNull(); // nil, exactly as the script alone answers a busy lock
      expect(await redis.get(`${prefix}lock:7`)).toBe('owner-7');
    } finally {
      evalsha.mockRestore();
    }
  });

  it('answers a call that fails with its own error; the others of its batch are applied', async () => {
    const claim = defineLuaScript(redis, 'claim-fingerprint-1.lua');
    await redis.rpush(`${prefix}event:not-a-string`, 'x'); // GET on a list: WRONGTYPE
    const outcomes = await Promise.allSettled([
      claim([`${prefix}event:a`], ['fingerprint-a', 60_000]),
      claim([`${prefix}event:not-a-string`], ['fingerprint-b', 60_000]),
      claim([`${prefix}event:c`], ['fingerprint-c', 60_000]),
    ]);
    expect(outcomes[0]).toEqual({ status: 'fulfilled', value: 'fingerprint-a' });
    expect(outcomes[1]?.status).toBe('rejected');
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(/WRONGTYPE/);
    expect(outcomes[2]).toEqual({ status: 'fulfilled', value: 'fingerprint-c' });
    expect(await redis.get(`${prefix}event:c`)).toBe('fingerprint-c');
  });

  it('loads the batch script again after the server forgot its scripts', async () => {
    const release = defineLuaScript(redis, 'release-lock-1.lua');
    await redis.set(`${prefix}held:1`, 'me');
    await redis.set(`${prefix}held:2`, 'someone-else');
    await redis.script('FLUSH');
    const released = await Promise.all([release([`${prefix}held:1`], ['me']), release([`${prefix}held:2`], ['me'])]);
    expect(released).toEqual([1, 0]);
    expect(await redis.exists(`${prefix}held:1`, `${prefix}held:2`)).toBe(1);
  });

  it('refuses a call with the wrong number of keys at the call, not in Redis', () => {
    const release = defineLuaScript(redis, 'release-lock-1.lua');
    expect(() => release([`${prefix}a`, `${prefix}b`], ['me'])).toThrow(/release-lock-1.lua takes 1 keys, got 2/);
  });
});
