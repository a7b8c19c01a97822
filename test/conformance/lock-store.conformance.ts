import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LockStore } from '../../src/domain/ports/lock-store.js';
import { beforeDeadline } from '../support/timing.js';
import { type MakeSubject, type Subject, sleep } from './conformance-support.js';

const LONG_TTL_MS = 30_000;

export function describeLockStoreConformance(name: string, make: MakeSubject<LockStore>): void {
  describe(`LockStore conformance: ${name}`, () => {
    let subject: Subject<LockStore>;
    let locks: LockStore;
    const key = 'lock:{act-1:u1}';

    beforeEach(async () => {
      subject = await make();
      locks = subject.store;
    });
    afterEach(async () => {
      await subject.close();
    });

    it('grants a free lock with a positive fencing token', async () => {
      const fence = await locks.tryAcquire(key, 'owner-a', LONG_TTL_MS);
      expect(fence).toBeTypeOf('number');
      expect(fence).toBeGreaterThan(0);
    });

    it('refuses a held lock to another owner and to its own owner (not reentrant)', async () => {
      expect(await locks.tryAcquire(key, 'owner-a', LONG_TTL_MS)).toBeDefined();
      expect(await locks.tryAcquire(key, 'owner-b', LONG_TTL_MS)).toBeUndefined();
      expect(await locks.tryAcquire(key, 'owner-a', LONG_TTL_MS)).toBeUndefined();
    });

    it('keeps keys apart', async () => {
      expect(await locks.tryAcquire(key, 'owner-a', LONG_TTL_MS)).toBeDefined();
      expect(await locks.tryAcquire('lock:{act-1:u2}', 'owner-b', LONG_TTL_MS)).toBeDefined();
    });

    it('gives the lock to exactly one of 200 concurrent callers', async () => {
      const fences = await Promise.all(Array.from({ length: 200 }, (_, i) => locks.tryAcquire(key, `owner-${i}`, LONG_TTL_MS)));
      expect(fences.filter((fence) => fence !== undefined)).toHaveLength(1);
    });

    it('releases only for the owner', async () => {
      await locks.tryAcquire(key, 'owner-a', LONG_TTL_MS);
      expect(await locks.release(key, 'owner-b')).toBe(false);
      expect(await locks.tryAcquire(key, 'owner-b', LONG_TTL_MS)).toBeUndefined();
      expect(await locks.release(key, 'owner-a')).toBe(true);
      expect(await locks.release(key, 'owner-a')).toBe(false);
      expect(await locks.tryAcquire(key, 'owner-b', LONG_TTL_MS)).toBeDefined();
    });

    it('extends only for the owner', async () => {
      expect(await locks.extend(key, 'owner-a', LONG_TTL_MS)).toBe(false);
      await locks.tryAcquire(key, 'owner-a', 150);
      expect(await locks.extend(key, 'owner-b', LONG_TTL_MS)).toBe(false);
      await sleep(220);
      // owner-b's extend must not have kept owner-a's lock alive
      expect(await locks.tryAcquire(key, 'owner-b', LONG_TTL_MS)).toBeDefined();
    });

    it('an extended lock outlives its first ttl', async () => {
      // Each check means something only before a ttl ran out; an attempt the machine stalled through runs again on a fresh key.
      await beforeDeadline(async (timing, attempt) => {
        const lock = attempt === 0 ? key : `lock:{act-1:u${attempt + 100}}`;
        await locks.tryAcquire(lock, 'owner-a', 150);
        await sleep(80);
        const extendSentAt = performance.now();
        const extended = await locks.extend(lock, 'owner-a', 400);
        timing.madeIt(timing.startedAt + 150);
        expect(extended).toBe(true);
        await sleep(150);
        const taken = await locks.tryAcquire(lock, 'owner-b', LONG_TTL_MS);
        timing.madeIt(extendSentAt + 400);
        expect(taken).toBeUndefined();
      });
    });

    it('an expired lock is free again; its old owner can neither extend nor release it', async () => {
      const first = await locks.tryAcquire(key, 'owner-a', 100);
      await sleep(180);
      const second = await locks.tryAcquire(key, 'owner-b', LONG_TTL_MS);
      expect(second).toBeDefined();
      expect(second).toBeGreaterThan(first ?? Number.POSITIVE_INFINITY);
      expect(await locks.extend(key, 'owner-a', LONG_TTL_MS)).toBe(false);
      expect(await locks.release(key, 'owner-a')).toBe(false);
      // the stale owner's release must not have freed owner-b's lock
      expect(await locks.tryAcquire(key, 'owner-c', LONG_TTL_MS)).toBeUndefined();
    });

    it('hands out strictly increasing fences across acquisitions', async () => {
      const fences: number[] = [];
      for (let i = 0; i < 20; i++) {
        const fence = await locks.tryAcquire(key, `owner-${i}`, LONG_TTL_MS);
        expect(fence).toBeDefined();
        fences.push(fence ?? 0);
        expect(await locks.release(key, `owner-${i}`)).toBe(true);
      }
      for (let i = 1; i < fences.length; i++) expect(fences[i]).toBeGreaterThan(fences[i - 1] ?? 0);
    });

    it('keeps fences rising under contention', async () => {
      const granted: number[] = [];
      await Promise.all(
        Array.from({ length: 20 }, async (_, worker) => {
          for (let round = 0; round < 5; round++) {
            const owner = `w${worker}-r${round}`;
            granted.push(await acquireEventually(locks, key, owner));
            expect(await locks.release(key, owner)).toBe(true);
          }
        }),
      );
      expect(granted).toHaveLength(100);
      // granted in acquisition order, since only the holder pushes before releasing
      for (let i = 1; i < granted.length; i++) expect(granted[i]).toBeGreaterThan(granted[i - 1] ?? 0);
    });
  });
}

async function acquireEventually(locks: LockStore, key: string, owner: string): Promise<number> {
  for (;;) {
    const fence = await locks.tryAcquire(key, owner, LONG_TTL_MS);
    if (fence !== undefined) return fence;
    await sleep(1);
  }
}
