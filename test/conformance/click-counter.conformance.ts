import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClickCounter, ClickInput } from '../../src/domain/ports/click-counter.js';
import type { Subject } from './conformance-support.js';

const NOW = Date.parse('2026-03-01T10:00:00.000Z');
const MINUTE_MS = 60_000;

/** `peer` is a second handle on the same shared state (another process's connection), where the adapter has one. */
export interface ClickCounterSubject extends Subject<ClickCounter> {
  readonly peer: ClickCounter;
}

/** What every click counter must do, whatever holds the windows. */
export function describeClickCounterConformance(name: string, make: () => Promise<ClickCounterSubject>): void {
  describe(`ClickCounter conformance: ${name}`, () => {
    let subject: ClickCounterSubject;

    beforeEach(async () => {
      subject = await make();
    });
    afterEach(async () => {
      await subject.close();
    });

    const click = (eventId: string, overrides: Partial<ClickInput> = {}): ClickInput => ({
      activityId: 'act-1',
      userId: 'u1',
      eventId,
      nowMs: NOW,
      windowMs: MINUTE_MS,
      limit: 3,
      ...overrides,
    });

    it('admits up to the limit within the window and refuses the rest without counting them', async () => {
      const { store } = subject;
      const verdicts = [];
      for (let i = 0; i < 5; i++) verdicts.push(await store.admit(click(`e${i}`, { nowMs: NOW + i })));
      expect(verdicts).toEqual([
        { admitted: true, clicks: 1 },
        { admitted: true, clicks: 2 },
        { admitted: true, clicks: 3 },
        { admitted: false, clicks: 3 },
        { admitted: false, clicks: 3 },
      ]);
    });

    it('a retried click (same event id) is admitted again and counted once', async () => {
      const { store } = subject;
      expect(await store.admit(click('e1'))).toEqual({ admitted: true, clicks: 1 });
      expect(await store.admit(click('e1', { nowMs: NOW + 1 }))).toEqual({ admitted: true, clicks: 1 });
      await store.admit(click('e2'));
      await store.admit(click('e3'));
      expect(await store.admit(click('e1', { nowMs: NOW + 2 }))).toEqual({ admitted: true, clicks: 3 });
    });

    it('the window slides: a click is admitted again once the oldest leaves it', async () => {
      const { store } = subject;
      for (let i = 0; i < 3; i++) await store.admit(click(`e${i}`, { nowMs: NOW + i * 1_000 }));
      expect((await store.admit(click('late', { nowMs: NOW + MINUTE_MS - 1 }))).admitted).toBe(false);
      expect(await store.admit(click('later', { nowMs: NOW + MINUTE_MS + 1 }))).toEqual({ admitted: true, clicks: 3 });
    });

    it('counts per activity and per user', async () => {
      const { store } = subject;
      for (let i = 0; i < 3; i++) await store.admit(click(`e${i}`));
      expect((await store.admit(click('x', { userId: 'u2' }))).admitted).toBe(true);
      expect((await store.admit(click('y', { activityId: 'act-2' }))).admitted).toBe(true);
      expect((await store.admit(click('z'))).admitted).toBe(false);
    });

    it('peek answers as admit would and counts nothing', async () => {
      const { store } = subject;
      expect(await store.peek(click('e0'))).toEqual({ admitted: true, clicks: 0 });
      for (let i = 0; i < 3; i++) await store.admit(click(`e${i}`));
      expect(await store.peek(click('e9'))).toEqual({ admitted: false, clicks: 3 });
      expect(await store.peek(click('e9', { nowMs: NOW + MINUTE_MS + 1 }))).toEqual({ admitted: true, clicks: 0 });
      expect(await store.admit(click('e9', { nowMs: NOW + MINUTE_MS + 1 }))).toEqual({ admitted: true, clicks: 1 });
    });

    it('a peek with a future now (a dry run) leaves the live window as it was', async () => {
      const { store } = subject;
      for (let i = 0; i < 3; i++) await store.admit(click(`e${i}`));
      expect((await store.peek(click('dry', { nowMs: NOW + 365 * 24 * 60 * MINUTE_MS }))).admitted).toBe(true);
      expect(await store.admit(click('real', { nowMs: NOW + 1 }))).toEqual({ admitted: false, clicks: 3 });
    });

    it('200 concurrent clicks over two connections under a limit of 5: exactly 5 admitted', async () => {
      const { store, peer } = subject;
      const verdicts = await Promise.all(
        Array.from({ length: 200 }, (_, i) => (i % 2 ? peer : store).admit(click(`burst-${i}`, { limit: 5, nowMs: NOW + (i % 7) }))),
      );
      expect(verdicts.filter((verdict) => verdict.admitted)).toHaveLength(5);
    });
  });
}
