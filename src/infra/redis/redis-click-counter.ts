import type { ClickCounter, ClickInput, ClickVerdict } from '../../domain/ports/click-counter.js';
import { defineLuaScript } from './batched-lua-script.js';
import type { LuaCaller } from './lua-script.js';
import type { RedisClient } from './redis-connection.js';
import { withRedisErrors } from './redis-errors.js';
import { RedisKeys, toRedisTtlMs } from './redis-keys.js';

/** Click windows shared by every process of the deployment: one Lua script per click, one slot per instance. */
export class RedisClickCounter implements ClickCounter {
  readonly #keys: RedisKeys;
  readonly #admit: LuaCaller;

  constructor(redis: RedisClient, options: { readonly prefix: string }) {
    this.#keys = new RedisKeys(options.prefix);
    this.#admit = defineLuaScript(redis, 'admit-click-1.lua');
  }

  admit(click: ClickInput): Promise<ClickVerdict> {
    return this.#run(click, true);
  }

  peek(click: ClickInput): Promise<ClickVerdict> {
    return this.#run(click, false);
  }

  #run(click: ClickInput, count: boolean): Promise<ClickVerdict> {
    return withRedisErrors(async () => {
      const reply = await this.#admit(
        [this.#keys.clicks({ activityId: click.activityId, userId: click.userId })],
        [Math.floor(click.nowMs), toRedisTtlMs(click.windowMs), click.limit, click.eventId, count ? 1 : 0],
      );
      if (!Array.isArray(reply) || reply.length !== 2)
        throw new Error(`admit-click returned ${String(reply)}, expected [admitted, clicks]`);
      return { admitted: reply[0] === 1, clicks: Number(reply[1]) };
    });
  }
}
