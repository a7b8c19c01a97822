import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Cluster } from 'ioredis';
import type { RedisClient } from './redis-connection.js';

/** A bound script: keys and arguments in, the script's reply out. */
export type LuaCaller = (keys: readonly string[], args: readonly (string | number)[]) => Promise<unknown>;

/** One call of a script: its keys and arguments. */
export interface LuaCall {
  readonly keys: readonly string[];
  readonly args: readonly (string | number)[];
}

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

  /**
   * Many calls in one pipeline, replies in call order: one write and one reply batch, instead of a
   * command, a promise and an error wrapper per call, which is what bulk intake spends its CPU on.
   * Rejects with the first failed call's error (the caller retries the whole, so the script must be
   * idempotent). On a cluster a pipeline must stay on one node, so there each call goes alone and
   * ioredis's auto-pipelining groups them per node.
   */
  async runMany(redis: RedisClient, calls: readonly LuaCall[]): Promise<unknown[]> {
    for (const call of calls) {
      if (call.keys.length !== this.#keyCount) throw new Error(`${this.fileName} takes ${this.#keyCount} keys, got ${call.keys.length}`);
    }
    if (redis instanceof Cluster) return Promise.all(calls.map((call) => this.run(redis, call.keys, call.args)));
    const replies = await this.#pipeline(redis, calls, 'sha');
    const unknownScript = replies.flatMap((reply, index) => (isNoScript(reply[0]) ? [index] : []));
    if (unknownScript.length > 0) {
      // The server lost its script cache (a restart, SCRIPT FLUSH): those calls did not run; the
      // source runs them now, in their order, and caches the script for the next batch.
      const retried = await this.#pipeline(
        redis,
        unknownScript.map((index) => calls[index] as LuaCall),
        'source',
      );
      unknownScript.forEach((index, k) => {
        replies[index] = retried[k] as [Error | null, unknown];
      });
    }
    return replies.map(([error, reply]) => {
      if (error) throw error;
      return reply;
    });
  }

  async #pipeline(
    redis: Exclude<RedisClient, Cluster>,
    calls: readonly LuaCall[],
    by: 'sha' | 'source',
  ): Promise<[Error | null, unknown][]> {
    const pipeline = redis.pipeline();
    for (const { keys, args } of calls) {
      if (by === 'sha') pipeline.evalsha(this.#sha, this.#keyCount, ...keys, ...args);
      else pipeline.eval(this.#source, this.#keyCount, ...keys, ...args);
    }
    const replies = await pipeline.exec();
    // exec answers null only for a transaction the server discarded; this is no transaction.
    if (replies === null) throw new Error(`${this.fileName}: the pipeline got no replies`);
    return replies;
  }

  bind(redis: RedisClient): LuaCaller {
    return (keys, args) => this.run(redis, keys, args);
  }
}

function isNoScript(error: Error | null): boolean {
  return error !== null && error.message.startsWith('NOSCRIPT');
}

/** The script `fileName` of `./lua/`, bound to a connection. */
export function defineLuaScript(redis: RedisClient, fileName: string): LuaCaller {
  return new LuaScript(fileName).bind(redis);
}
