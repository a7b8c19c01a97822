/** Timestamps travel as ISO text: exact to the millisecond and independent of the session time zone. */
export function isoAt(ms: number): string {
  return new Date(ms).toISOString();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are uuid columns; anything else cannot exist and must not reach PostgreSQL as a cast error. */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}
