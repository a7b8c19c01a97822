/**
 * How deep a client's JSON object (an event payload, behavior attributes) may nest: far deeper than
 * any play needs, shallow enough that hashing, serialising and storing it can never exhaust the
 * stack (a 200 KB body can nest 100,000 levels; JSON.stringify gives up long before that).
 */
export const MAX_JSON_DEPTH = 32;

/** Measured without recursion, so that measuring an absurd value cannot itself overflow the stack. */
export function jsonDepthWithin(value: unknown, maxDepth: number = MAX_JSON_DEPTH): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [current, depth] = next;
    if (current === null || typeof current !== 'object') continue;
    if (depth > maxDepth) return false;
    for (const member of Object.values(current)) pending.push([member, depth + 1]);
  }
  return true;
}
