import type { LockStore } from '../../domain/ports/lock-store.js';
import { defineLuaScript } from './batched-lua-script.js';
import type { LuaCaller } from './lua-script.js';
import type { RedisClient } from './redis-connection.js';
import { withRedisErrors } from './redis-errors.js';
import { RedisKeys, toRedisTtlMs } from './redis-keys.js';

/** Each primitive is one Lua script, so ownership is checked and acted on atomically. */
export class RedisLockStore implements LockStore {
  readonly #keys: RedisKeys;
  readonly #acquire: LuaCaller;
  readonly #extend: LuaCaller;
  readonly #release: LuaCaller;

  constructor(redis: RedisClient, options: { readonly prefix: string }) {
    this.#keys = new RedisKeys(options.prefix);
    this.#acquire = defineLuaScript(redis, 'acquire-lock-2.lua');
    this.#extend = defineLuaScript(redis, 'extend-lock-1.lua');
    this.#release = defineLuaScript(redis, 'release-lock-1.lua');
  }

  tryAcquire(key: string, owner: string, ttlMs: number): Promise<number | undefined> {
    return withRedisErrors(async () => {
      const fence = await this.#acquire([this.#keys.lock(key), this.#keys.lockFenceCounter(key)], [owner, toRedisTtlMs(ttlMs)]);
      if (fence === null) return undefined;
      if (typeof fence !== 'number') throw new Error(`acquire-lock returned ${String(fence)}, expected a fencing token`);
      return fence;
    });
  }

  extend(key: string, owner: string, ttlMs: number): Promise<boolean> {
    return withRedisErrors(async () => (await this.#extend([this.#keys.lock(key)], [owner, toRedisTtlMs(ttlMs)])) === 1);
  }

  release(key: string, owner: string): Promise<boolean> {
    return withRedisErrors(async () => (await this.#release([this.#keys.lock(key)], [owner])) === 1);
  }
}
