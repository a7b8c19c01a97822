import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const LUA_DIR = new URL('../../../src/infra/redis/lua/', import.meta.url);
const scripts = readdirSync(LUA_DIR).filter((name) => name.endsWith('.lua'));

/** The header comment is the script's contract; the code after it must not use more than it names. */
function split(source: string): { header: string; body: string } {
  const end = source.indexOf(']]');
  return { header: source.slice(0, end), body: source.slice(end) };
}

function indexes(text: string, array: 'KEYS' | 'ARGV'): Set<number> {
  return new Set([...text.matchAll(new RegExp(`${array}\\[(\\d+)\\]`, 'g'))].map((m) => Number(m[1])));
}

describe('Lua scripts', () => {
  it('exist', () => {
    expect(scripts.length).toBeGreaterThan(0);
  });

  it.each(scripts)('%s is named after its key count and documents every KEYS and ARGV it uses', (name) => {
    // `-3.lua` takes 3 keys; `-3n.lua` takes any number of groups of 3 (one per item it handles).
    const [, count, perItem] = /-(\d+)(n?)\.lua$/.exec(name) ?? [];
    const keyCount = Number(count);
    expect(keyCount).toBeGreaterThan(0);
    const { header, body } = split(readFileSync(new URL(name, LUA_DIR), 'utf8'));
    expect(header.startsWith('--[[')).toBe(true);
    if (perItem) {
      // Its keys and arguments are named per group in the header, with the group's index ranges.
      expect(header).toContain(`KEYS[${keyCount}i+1..${keyCount}i+${keyCount}]`);
      expect(body).not.toMatch(/KEYS\[\d+\]/);
      return;
    }

    const usedKeys = indexes(body, 'KEYS');
    const documentedKeys = indexes(header, 'KEYS');
    // a loop over KEYS[i] uses none literally; the header still names them all
    expect(Math.max(0, ...usedKeys)).toBeLessThanOrEqual(keyCount);
    expect([...documentedKeys].sort()).toEqual(Array.from({ length: keyCount }, (_, i) => i + 1));

    for (const used of indexes(body, 'ARGV')) expect(indexes(header, 'ARGV').has(used)).toBe(true);
  });
});
