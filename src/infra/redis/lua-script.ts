import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RedisClient } from './redis-connection.js';

/** A bound script: keys and arguments in, the script's reply out. */
export type LuaCaller = (keys: readonly string[], args: readonly (string | number)[]) => Promise<unknown>;

/** `acquire-lock-2.lua`: the name says what it does and how many KEYS it takes. */
const SCRIPT_FILE = /^[a-z]+(?:-[a-z]+)*-(\d+)\.lua$/;

/**
 * The one loader of the project's Lua scripts, which all live in `./lua/` (copied to dist by the
 * build), each with a header naming its KEYS and ARGV. Calls go by SHA (EVALSHA) and fall back to
 * the full source once per server that has not cached it yet (a restart, a failover), on whatever
 * connection they are run: the ports' shared auto-pipelined one or the broker's own.
 */
export class LuaScript {
  readonly fileName: string;
  readonly #source: string;
  readonly #sha: string;
  readonly #keyCount: number;

  constructor(fileName: string) {
    const keyCount = SCRIPT_FILE.exec(fileName)?.[1];
    if (keyCount === undefined) throw new Error(`Lua script '${fileName}' is not named <what>-<key count>.lua`);
    this.fileName = fileName;
    this.#keyCount = Number(keyCount);
    this.#source = readFileSync(new URL(`./lua/${fileName}`, import.meta.url), 'utf8');
    this.#sha = createHash('sha1').update(this.#source).digest('hex');
  }

  async run(redis: RedisClient, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    // The file name states the key count, so callers cannot disagree with it.
    if (keys.length !== this.#keyCount) throw new Error(`${this.fileName} takes ${this.#keyCount} keys, got ${keys.length}`);
    try {
      return await redis.evalsha(this.#sha, this.#keyCount, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(this.#source, this.#keyCount, ...keys, ...args);
    }
  }

  bind(redis: RedisClient): LuaCaller {
    return (keys, args) => this.run(redis, keys, args);
  }
}

/** The script `fileName` of `./lua/`, bound to a connection. */
export function defineLuaScript(redis: RedisClient, fileName: string): LuaCaller {
  return new LuaScript(fileName).bind(redis);
}
