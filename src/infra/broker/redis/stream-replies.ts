/** Typed views of the untyped replies of the stream commands that ioredis hands back. */

export interface StreamEntry {
  readonly id: string;
  /** Null when the entry was deleted while it was pending (XAUTOCLAIM on Redis 6.2 reports it so). */
  readonly fields: ReadonlyMap<string, string> | null;
}

export interface PendingEntry {
  readonly id: string;
  readonly consumer: string;
  readonly deliveryCount: number;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function fieldMap(raw: unknown): ReadonlyMap<string, string> | null {
  if (!Array.isArray(raw)) return null;
  const fields = new Map<string, string>();
  for (let index = 0; index + 1 < raw.length; index += 2) fields.set(String(raw[index]), String(raw[index + 1]));
  return fields;
}

function parseEntries(raw: unknown): StreamEntry[] {
  return asArray(raw).map((entry) => {
    const [id, fields] = asArray(entry);
    return { id: String(id), fields: fieldMap(fields) };
  });
}

/** XREADGROUP: `[[stream, [[id, [field, value, ...]], ...]]]`, or null when BLOCK timed out. */
export function parseReadGroupReply(reply: unknown): StreamEntry[] {
  return asArray(reply).flatMap((stream) => parseEntries(asArray(stream)[1]));
}

/** XAUTOCLAIM: `[next cursor, entries, deleted ids]` (the third element since Redis 7). */
export function parseAutoClaimReply(reply: unknown): { cursor: string; entries: StreamEntry[]; deletedIds: string[] } {
  const [cursor, entries, deleted] = asArray(reply);
  return { cursor: String(cursor ?? '0-0'), entries: parseEntries(entries), deletedIds: asArray(deleted).map(String) };
}

/** XPENDING with a range: `[[id, consumer, idle ms, delivery count], ...]`. */
export function parsePendingReply(reply: unknown): PendingEntry[] {
  return asArray(reply).map((row) => {
    const [id, consumer, , deliveryCount] = asArray(row);
    return { id: String(id), consumer: String(consumer), deliveryCount: Number(deliveryCount) };
  });
}
