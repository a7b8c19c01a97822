import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/**
 * A Lua script that ships beside this module (copied to dist by the build). Calls go by SHA and
 * fall back to the full source once per server that has not cached it yet (restart, failover).
 */
export class LuaScript {
  readonly #source: string;
  readonly #sha: string;
  readonly #keyCount: number;

  constructor(fileName: string) {
    this.#source = readFileSync(new URL(fileName, import.meta.url), 'utf8');
    this.#sha = createHash('sha1').update(this.#source).digest('hex');
    // The file name states its key count (`promote-due-retries-2.lua`), so callers cannot disagree with it.
    const keyCount = /-(\d+)\.lua$/.exec(fileName)?.[1];
    if (keyCount === undefined) throw new Error(`Lua script '${fileName}' must end in -<key count>.lua`);
    this.#keyCount = Number(keyCount);
  }

  async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    if (keys.length !== this.#keyCount) throw new Error(`script expects ${this.#keyCount} keys, got ${keys.length}`);
    try {
      return await redis.evalsha(this.#sha, this.#keyCount, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(this.#source, this.#keyCount, ...keys, ...args);
    }
  }
}
