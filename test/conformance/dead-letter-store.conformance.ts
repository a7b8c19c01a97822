import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeadLetter, DeadLetterStore } from '../../src/domain/ports/dead-letter-store.js';

export interface DeadLetterStoreFixture {
  readonly port: DeadLetterStore;
  close(): Promise<void>;
}

type NewDeadLetter = Omit<DeadLetter, 'id' | 'createdAt' | 'replayedAt'>;

function entry(n: number, overrides: Partial<NewDeadLetter> = {}): NewDeadLetter {
  return { body: `{"channelCode":"home_banner","n":${n}}`, reason: `failed ${n}`, attempts: n, source: 'behavior-events', ...overrides };
}

/**
 * The behaviour every dead-letter store must show, whatever stores it. Each test gets a fresh,
 * empty store from `make`, because listing is global.
 */
export function describeDeadLetterStoreConformance(name: string, make: () => Promise<DeadLetterStoreFixture>): void {
  describe(`DeadLetterStore conformance: ${name}`, () => {
    let fixture: DeadLetterStoreFixture;
    let store: DeadLetterStore;

    beforeEach(async () => {
      fixture = await make();
      store = fixture.port;
    });
    afterEach(async () => {
      await fixture.close();
    });

    it('adds an entry with an id and creation time, and gets it back', async () => {
      const before = Date.now();
      const letter = await store.add(entry(3));
      expect(letter).toEqual({ ...entry(3), id: expect.any(String), createdAt: expect.any(String) });
      expect(letter.replayedAt).toBeUndefined();
      expect(Date.parse(letter.createdAt)).toBeGreaterThanOrEqual(before - 1_000);
      expect(Date.parse(letter.createdAt)).toBeLessThanOrEqual(Date.now() + 1_000);
      expect(await store.get(letter.id)).toEqual(letter);
    });

    it('keeps any body exactly, including bytes a bad message may carry', async () => {
      const bodies = ['', 'not json {', 'nul \u0000 inside', 'emoji 🎁 and ümlaut', 'x'.repeat(100_000)];
      for (const body of bodies) {
        const letter = await store.add(entry(1, { body }));
        expect((await store.get(letter.id))?.body).toBe(body);
      }
    });

    it('lists newest first, without replayed entries unless asked', async () => {
      const added: DeadLetter[] = [];
      for (let n = 1; n <= 4; n += 1) added.push(await store.add(entry(n)));
      const [first, second, third, fourth] = added as [DeadLetter, DeadLetter, DeadLetter, DeadLetter];
      expect((await store.list()).map((l) => l.id)).toEqual([fourth.id, third.id, second.id, first.id]);
      const replayedAt = Date.parse('2026-03-01T12:00:00.000Z');
      await store.claimReplay(second.id, replayedAt);
      expect((await store.list()).map((l) => l.id)).toEqual([fourth.id, third.id, first.id]);
      const all = await store.list({ includeReplayed: true });
      expect(all.map((l) => l.id)).toEqual([fourth.id, third.id, second.id, first.id]);
      expect(all[2]).toEqual({ ...second, replayedAt: new Date(replayedAt).toISOString() });
    });

    it('honours the limit', async () => {
      const added: DeadLetter[] = [];
      for (let n = 1; n <= 5; n += 1) added.push(await store.add(entry(n)));
      expect((await store.list({ limit: 2 })).map((l) => l.id)).toEqual([added[4]?.id, added[3]?.id]);
      expect(await store.list({ limit: 0 })).toEqual([]);
      expect(await store.list({ limit: 100 })).toHaveLength(5);
    });

    it('marks an entry replayed and records when', async () => {
      const letter = await store.add(entry(1));
      const at = Date.parse('2026-03-02T08:30:00.000Z');
      const claimed = await store.claimReplay(letter.id, at);
      expect(claimed).toEqual({ ...letter, replayedAt: new Date(at).toISOString() });
      expect(await store.get(letter.id)).toEqual(claimed);
    });

    it('lets exactly one of concurrent replays claim a letter, and a released claim be taken again', async () => {
      const letter = await store.add(entry(1));
      const claims = await Promise.all(Array.from({ length: 20 }, () => store.claimReplay(letter.id, Date.now())));
      expect(claims.filter((claim) => claim !== undefined)).toHaveLength(1);
      await store.releaseReplay(letter.id);
      expect((await store.get(letter.id))?.replayedAt).toBeUndefined();
      expect(await store.claimReplay(letter.id, Date.now())).toBeDefined();
    });

    it('treats unknown ids as absent, whatever they look like', async () => {
      for (const id of ['missing', randomUUID(), '']) {
        expect(await store.get(id)).toBeUndefined();
        await expect(store.claimReplay(id, Date.now())).resolves.toBeUndefined();
      }
      expect(await store.list({ includeReplayed: true })).toEqual([]);
    });
  });
}
