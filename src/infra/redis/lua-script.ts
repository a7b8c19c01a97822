import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

export type LuaScript = (keys: readonly string[], args: readonly (string | number)[]) => Promise<unknown>;

/** `acquire-lock-2.lua`: the name says what it does and how many KEYS it takes. */
const SCRIPT_FILE = /^([a-z]+(?:-[a-z]+)*)-(\d+)\.lua$/;

/**
 * Registers a script from `./lua/` on the connection (ioredis sends EVALSHA and falls back to EVAL
 * once per connection) and returns a typed caller that checks the key count against the file name.
 */
export function defineLuaScript(redis: Redis, fileName: string): LuaScript {
  const match = SCRIPT_FILE.exec(fileName);
  const baseName = match?.[1];
  const keyCount = match?.[2];
  if (baseName === undefined || keyCount === undefined) throw new Error(`Lua script '${fileName}' is not named <what>-<key count>.lua`);
  const numberOfKeys = Number(keyCount);
  const commandName = `sc${baseName.replace(/(?:^|-)([a-z])/g, (_, letter: string) => letter.toUpperCase())}`;
  const lua = readFileSync(new URL(`./lua/${fileName}`, import.meta.url), 'utf8');
  redis.defineCommand(commandName, { numberOfKeys, lua });
  // defineCommand adds a method ioredis cannot type; look it up once, here.
  const command: unknown = Reflect.get(redis, commandName);
  if (typeof command !== 'function') throw new Error(`ioredis did not define command '${commandName}'`);
  return (keys, args) => {
    if (keys.length !== numberOfKeys) throw new Error(`${fileName} takes ${numberOfKeys} keys, got ${keys.length}`);
    return Promise.resolve(command.call(redis, ...keys, ...args));
  };
}
