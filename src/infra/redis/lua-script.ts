import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RedisClient } from './redis-connection.js';

/** A bound script: keys and arguments in, the script's reply out. */
export type LuaCaller = (keys: readonly string[], args: readonly (string | number)[]) => Promise<unknown>;

/**
 * `acquire-lock-2.lua`: the name says what it does and how many KEYS it takes;
 * `record-behaviors-3n.lua` takes any number of groups of 3 (one group per item it handles).
 */
const SCRIPT_FILE = /^[a-z]+(?:-[a-z]+)*-(\d+)(n?)\.lua$/;

/**
 * The one loader of the project's Lua scripts, which all live in `./lua/` (copied to dist by the
 * build), each with a header naming its KEYS and ARGV. Calls go by SHA (EVALSHA) and fall back to
 * the full source once per server that has not cached it yet (a restart, a failover), on whatever
 * connection they are run: the ports' shared auto-pipelined one or the broker's own.
 */
export class LuaScript {
  readonly fileName: string;
  readonly source: string;
  readonly #sha: string;
  /** KEYS per call, or per item of an `n` script. */
  readonly keyCount: number;
  /** An `n` script: any number of groups of `keyCount` keys in one call. */
  readonly perItem: boolean;

  constructor(fileName: string) {
    const named = SCRIPT_FILE.exec(fileName);
    if (named?.[1] === undefined) throw new Error(`Lua script '${fileName}' is not named <what>-<key count>[n].lua`);
    this.fileName = fileName;
    this.keyCount = Number(named[1]);
    this.perItem = named[2] === 'n';
    this.source = readFileSync(new URL(`./lua/${fileName}`, import.meta.url), 'utf8');
    this.#sha = scriptSha(this.source);
  }

  run(redis: RedisClient, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    this.checkKeys(keys);
    return evalScript(redis, this.#sha, this.source, keys, args);
  }

  /** The file name states the key count, so callers cannot disagree with it. */
  checkKeys(keys: readonly string[]): void {
    const fits = this.perItem ? keys.length > 0 && keys.length % this.keyCount === 0 : keys.length === this.keyCount;
    if (!fits) throw new Error(`${this.fileName} takes ${this.perItem ? 'groups of ' : ''}${this.keyCount} keys, got ${keys.length}`);
  }

  bind(redis: RedisClient): LuaCaller {
    return (keys, args) => this.run(redis, keys, args);
  }
}

export function scriptSha(source: string): string {
  return createHash('sha1').update(source).digest('hex');
}

/** EVALSHA, and the full source once when the server answers that it has not cached the script. */
export async function evalScript(
  redis: RedisClient,
  sha: string,
  source: string,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await redis.evalsha(sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return redis.eval(source, keys.length, ...keys, ...args);
  }
}
