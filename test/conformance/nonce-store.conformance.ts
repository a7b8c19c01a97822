import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NonceStore } from '../../src/domain/ports/nonce-store.js';
import type { Subject } from './conformance-support.js';

const LONG_TTL_MS = 60_000;

/** `peer` is a second handle on the same shared state (another process's connection), where the adapter has one. */
export interface NonceStoreSubject extends Subject<NonceStore> {
  readonly peer: NonceStore;
}

export function describeNonceStoreConformance(name: string, make: () => Promise<NonceStoreSubject>): void {
  describe(`NonceStore conformance: ${name}`, () => {
    let subject: NonceStoreSubject;

    beforeEach(async () => {
      subject = await make();
    });
    afterEach(async () => {
      await subject.close();
    });

    it('accepts a nonce once per client', async () => {
      const { store } = subject;
      expect(await store.claimOnce('web', 'n-0001', LONG_TTL_MS)).toBe(true);
      expect(await store.claimOnce('web', 'n-0001', LONG_TTL_MS)).toBe(false);
      expect(await store.claimOnce('app', 'n-0001', LONG_TTL_MS)).toBe(true);
      expect(await store.claimOnce('web', 'n-0002', LONG_TTL_MS)).toBe(true);
    });

    it('gives exactly one of 300 concurrent claims of one nonce, over two handles, the win', async () => {
      const claims = Array.from({ length: 300 }, (_, i) =>
        (i % 2 === 0 ? subject.store : subject.peer).claimOnce('web', 'contended', LONG_TTL_MS),
      );
      const answers = await Promise.all(claims);
      expect(answers.filter(Boolean)).toHaveLength(1);
    });

    it('forgets a nonce once its ttl has passed', async () => {
      const { store } = subject;
      expect(await store.claimOnce('web', 'short-lived', 30)).toBe(true);
      // Waits for the expiry to happen instead of betting on a margin: the claim must succeed again
      // soon after the ttl, and never before it.
      const claimedAt = Date.now();
      let reclaimed = false;
      while (!reclaimed && Date.now() - claimedAt < 5_000) {
        reclaimed = await store.claimOnce('web', 'short-lived', LONG_TTL_MS);
        if (!reclaimed) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(reclaimed).toBe(true);
      expect(Date.now() - claimedAt).toBeGreaterThanOrEqual(25);
      expect(await store.claimOnce('web', 'short-lived', LONG_TTL_MS)).toBe(false);
    });
  });
}
