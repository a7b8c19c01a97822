import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BehaviorCounter, BehaviorOccurrence } from '../../src/domain/ports/behavior-counter.js';
import { type MakeSubject, type Subject, shuffled } from './conformance-support.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export function describeBehaviorCounterConformance(name: string, make: MakeSubject<BehaviorCounter>): void {
  describe(`BehaviorCounter conformance: ${name}`, () => {
    let subject: Subject<BehaviorCounter>;
    let counter: BehaviorCounter;
    // Behavior time near wall time: adapters may expire idle windows after `windowMs` of real time.
    let t0: number;

    beforeEach(async () => {
      subject = await make();
      counter = subject.store;
      t0 = Date.now();
    });
    afterEach(async () => {
      await subject.close();
    });

    function view(
      occurrence: BehaviorOccurrence,
      options: { userId?: string; ruleKey?: string; windowMs?: number; threshold?: number } = {},
    ) {
      return counter.record({
        ruleKey: options.ruleKey ?? 'browse_3_items',
        userId: options.userId ?? 'u1',
        occurrence,
        windowMs: options.windowMs ?? DAY_MS,
        threshold: options.threshold ?? 3,
      });
    }

    it('counts up to the threshold, then fires with the occurrences oldest first and starts over', async () => {
      expect(await view({ eventId: 'e2', atMs: t0 + 2, itemId: 'sku-2' })).toEqual({
        fired: false,
        count: 1,
        occurrences: [{ eventId: 'e2', atMs: t0 + 2, itemId: 'sku-2' }],
      });
      expect(await view({ eventId: 'e1', atMs: t0 + 1, itemId: 'sku-1' })).toMatchObject({ fired: false, count: 2 });
      const fired = await view({ eventId: 'e3', atMs: t0 + 3 });
      expect(fired).toEqual({
        fired: true,
        count: 3,
        occurrences: [
          { eventId: 'e1', atMs: t0 + 1, itemId: 'sku-1' },
          { eventId: 'e2', atMs: t0 + 2, itemId: 'sku-2' },
          { eventId: 'e3', atMs: t0 + 3 },
        ],
      });
      expect(await view({ eventId: 'e4', atMs: t0 + 4 })).toMatchObject({ fired: false, count: 1 });
    });

    it('counts the same event id once', async () => {
      await view({ eventId: 'e1', atMs: t0 });
      expect(await view({ eventId: 'e1', atMs: t0 })).toMatchObject({ fired: false, count: 1 });
      expect(await view({ eventId: 'e2', atMs: t0 + 1 })).toMatchObject({ fired: false, count: 2 });
      expect(await view({ eventId: 'e2', atMs: t0 + 1 })).toMatchObject({ fired: false, count: 2 });
    });

    it('does not count a redelivered behavior again after its window fired', async () => {
      await view({ eventId: 'e1', atMs: t0 });
      await view({ eventId: 'e2', atMs: t0 + 1 });
      expect((await view({ eventId: 'e3', atMs: t0 + 2 })).fired).toBe(true);
      expect(await view({ eventId: 'e1', atMs: t0 })).toMatchObject({ fired: false, count: 0, occurrences: [] });
      expect(await view({ eventId: 'e4', atMs: t0 + 3 })).toMatchObject({ fired: false, count: 1 });
    });

    it('answers a retried firing behavior with the same batch, so its publish can be retried', async () => {
      await view({ eventId: 'e1', atMs: t0 });
      await view({ eventId: 'e2', atMs: t0 + 1 });
      const first = await view({ eventId: 'e3', atMs: t0 + 2 });
      await view({ eventId: 'e4', atMs: t0 + 3 });
      const retried = await view({ eventId: 'e3', atMs: t0 + 2 });
      expect(retried).toEqual(first);
      expect(await view({ eventId: 'e5', atMs: t0 + 4 })).toMatchObject({ fired: false, count: 2 });
    });

    it('slides the window: behaviors older than windowMs no longer count', async () => {
      const windowMs = 1_000;
      await view({ eventId: 'e1', atMs: t0 }, { windowMs });
      await view({ eventId: 'e2', atMs: t0 + 600 }, { windowMs });
      // e1 falls out (exactly windowMs old counts as out), e2 stays
      expect(await view({ eventId: 'e3', atMs: t0 + 1_000 }, { windowMs })).toEqual({
        fired: false,
        count: 2,
        occurrences: [
          { eventId: 'e2', atMs: t0 + 600 },
          { eventId: 'e3', atMs: t0 + 1_000 },
        ],
      });
      expect(await view({ eventId: 'e4', atMs: t0 + 1_500 }, { windowMs })).toMatchObject({ fired: true, count: 3 });
    });

    it('keeps users and rules apart', async () => {
      await view({ eventId: 'e1', atMs: t0 });
      await view({ eventId: 'e2', atMs: t0 + 1 });
      expect(await view({ eventId: 'e3', atMs: t0 + 2 }, { userId: 'u2' })).toMatchObject({ fired: false, count: 1 });
      expect(await view({ eventId: 'e3', atMs: t0 + 2 }, { ruleKey: 'browse_5_items' })).toMatchObject({ fired: false, count: 1 });
      expect(await view({ eventId: 'e3', atMs: t0 + 2 })).toMatchObject({ fired: true, count: 3 });
    });

    it('recordMany answers many counts in order, each as consecutive records would, and a retried batch counts nothing twice', async () => {
      // 5 users × 50 views, interleaved: more counts than one Redis call carries, windows mixed in each.
      const counts = Array.from({ length: 250 }, (_, i) => ({
        ruleKey: 'browse_3_items',
        userId: `u${i % 5}`,
        occurrence: { eventId: `e${i}`, atMs: t0 + i, itemId: `sku-${i}` },
        windowMs: DAY_MS,
        threshold: 3,
      }));
      const tallies = await counter.recordMany(counts);
      expect(tallies).toHaveLength(counts.length);
      tallies.forEach((tally, i) => {
        const nth = Math.floor(i / 5); // this view's place among its user's views
        expect(tally.fired, `count ${i}`).toBe(nth % 3 === 2);
        expect(tally.count, `count ${i}`).toBe((nth % 3) + 1);
        // The batch (or the pending views) of this user only, oldest first, ending with this view.
        expect(tally.occurrences.map((o) => o.eventId)).toEqual(
          Array.from({ length: (nth % 3) + 1 }, (_, k) => `e${i - 5 * ((nth % 3) - k)}`),
        );
      });

      const retried = await counter.recordMany(counts);
      retried.forEach((tally, i) => {
        if (tallies[i]?.fired) expect(tally, `count ${i}`).toEqual(tallies[i]);
        else expect(tally.fired, `count ${i}`).toBe(false);
      });
      // Nothing was counted again: each user's window still holds its last 50 % 3 = 2 views.
      expect(await view({ eventId: 'fresh', atMs: t0 + 1_000 }, { userId: 'u0' })).toMatchObject({ fired: true, count: 3 });
      expect(await counter.recordMany([])).toEqual([]);
    });

    it('fires exactly once per threshold distinct behaviors under concurrency, duplicates included', async () => {
      const unique = Array.from({ length: 70 }, (_, i) => ({ eventId: `e${i}`, atMs: t0 + i, itemId: `sku-${i % 7}` }));
      const deliveries = shuffled([...unique, ...unique.slice(0, 30)]);
      const results = await Promise.all(deliveries.map((occurrence) => view(occurrence)));

      const batches = new Map<string, readonly BehaviorOccurrence[]>();
      for (const result of results.filter((r) => r.fired)) {
        expect(result.count).toBe(3);
        batches.set(result.occurrences.map((o) => o.eventId).join(','), result.occurrences);
      }
      expect(batches.size).toBe(Math.floor(unique.length / 3));
      const counted = [...batches.values()].flatMap((batch) => batch.map((o) => o.eventId));
      expect(new Set(counted).size).toBe(counted.length);
      expect(counted).toHaveLength(3 * Math.floor(unique.length / 3));
    });
  });
}
