import type { EventFingerprints } from '../../domain/ports/event-fingerprints.js';
import { ExpiringMap } from './expiring-map.js';

/** One process's event fingerprints; a claim is one synchronous step, so concurrent claims have one winner. */
export class MemoryEventFingerprints implements EventFingerprints {
  readonly #fingerprints: ExpiringMap<string>;

  constructor(now: () => number = Date.now) {
    this.#fingerprints = new ExpiringMap(now);
  }

  async claim(eventId: string, fingerprint: string, ttlMs: number): Promise<string> {
    const recorded = this.#fingerprints.get(eventId);
    if (recorded !== undefined) return recorded;
    this.#fingerprints.set(eventId, fingerprint, ttlMs);
    return fingerprint;
  }
}
