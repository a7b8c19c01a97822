import type { NonceStore } from '../../domain/ports/nonce-store.js';
import { ExpiringMap } from './expiring-map.js';

/** One process's nonces; a claim is one synchronous step, so concurrent claims have one winner. */
export class MemoryNonceStore implements NonceStore {
  readonly #claimed: ExpiringMap<true>;

  constructor(now: () => number = Date.now) {
    this.#claimed = new ExpiringMap(now);
  }

  async claimOnce(clientId: string, nonce: string, ttlMs: number): Promise<boolean> {
    const key = `${clientId}\n${nonce}`;
    if (this.#claimed.get(key)) return false;
    this.#claimed.set(key, true, ttlMs);
    return true;
  }
}
