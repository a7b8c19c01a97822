import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SoldOutMarks } from '../../src/domain/ports/sold-out-marks.js';

export interface SoldOutMarksFixture {
  readonly marks: SoldOutMarks;
  close(): Promise<void>;
}

/** The behaviour every sold-out mark store must show, whatever keeps it. */
export function describeSoldOutMarksConformance(name: string, make: () => Promise<SoldOutMarksFixture>): void {
  describe(`SoldOutMarks conformance: ${name}`, () => {
    let fixture: SoldOutMarksFixture;
    let marks: SoldOutMarks;
    let pool: string;

    beforeEach(async () => {
      fixture = await make();
      marks = fixture.marks;
      pool = `pool-${randomUUID()}`;
    });
    afterEach(async () => {
      await fixture.close();
    });

    it('an unknown pool is open; a mark in the current epoch closes it, for this pool only', async () => {
      const before = await marks.read(pool);
      expect(before.soldOut).toBe(false);
      await marks.mark(pool, before.epoch, 60_000);
      expect(await marks.read(pool)).toEqual({ soldOut: true, epoch: before.epoch });
      expect((await marks.read(`${pool}-other`)).soldOut).toBe(false);
    });

    it('reopening moves to a new epoch: the pool is open, and a mark from the old epoch cannot close it', async () => {
      const before = await marks.read(pool);
      await marks.mark(pool, before.epoch, 60_000);
      await marks.reopen(pool);
      const after = await marks.read(pool);
      expect(after.soldOut).toBe(false);
      expect(after.epoch).not.toBe(before.epoch);
      // An out_of_stock decided before the reopen lands late.
      await marks.mark(pool, before.epoch, 60_000);
      expect((await marks.read(pool)).soldOut).toBe(false);
      await marks.mark(pool, after.epoch, 60_000);
      expect((await marks.read(pool)).soldOut).toBe(true);
    });

    it('a mark expires after its TTL: the safety net for a missed reopen', async () => {
      const { epoch } = await marks.read(pool);
      await marks.mark(pool, epoch, 40);
      expect((await marks.read(pool)).soldOut).toBe(true);
      await expect.poll(async () => (await marks.read(pool)).soldOut, { timeout: 5_000, interval: 20 }).toBe(false);
    });
  });
}
