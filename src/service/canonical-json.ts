import { createHash } from 'node:crypto';

/**
 * JSON with the keys of every object sorted and undefined members dropped: two values with the
 * same content give the same text, whichever store or parser they came through.
 */
export function canonicalJson(value: unknown): string {
  return (
    JSON.stringify(value, (_key, member: unknown) => {
      if (member === null || typeof member !== 'object' || Array.isArray(member)) return member;
      const object = member as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(object)
          .sort()
          .map((key) => [key, object[key]]),
      );
    }) ?? 'null'
  );
}

export function sameContent(a: unknown, b: unknown): boolean {
  return canonicalJson(a ?? null) === canonicalJson(b ?? null);
}

/** sha256 of the canonical JSON: names a declaration's content. */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/**
 * Freezes a value and everything it holds. Published configuration is shared by chains in flight
 * and by the next snapshot; freezing makes "never changed in place" a fact, not a convention.
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  for (const member of Object.values(value)) deepFreeze(member);
  return Object.freeze(value);
}
