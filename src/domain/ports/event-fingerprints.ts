/**
 * What each event id was first seen carrying, kept for a while. A client's event id is its
 * idempotency handle: a retry carries the same content, so a different content under a used id is a
 * client bug (or a collision) that must be refused before it takes effect.
 */
export interface EventFingerprints {
  /**
   * Records `fingerprint` for `eventId` unless one is already recorded, atomically, for `ttlMs`.
   * Returns the fingerprint that stands: `fingerprint` itself for the first claim (and for retries
   * carrying the same content), the first one otherwise.
   */
  claim(eventId: string, fingerprint: string, ttlMs: number): Promise<string>;
}
