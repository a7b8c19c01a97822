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
      const before = await marks.read(pool, 'act:u1');
      expect(before.soldOut).toBe(false);
      await marks.mark(pool, before.epoch, 60_000);
      expect(await marks.read(pool, 'act:u1')).toEqual({ soldOut: true, epoch: before.epoch, holder: false });
      expect((await marks.read(`${pool}-other`, 'act:u1')).soldOut).toBe(false);
    });

    it('reopening moves to a new epoch: the pool is open, and a mark from the old epoch cannot close it', async () => {
      const before = await marks.read(pool, 'act:u1');
      await marks.mark(pool, before.epoch, 60_000);
      await marks.reopen(pool);
      const after = await marks.read(pool, 'act:u1');
      expect(after.soldOut).toBe(false);
      expect(after.epoch).not.toBe(before.epoch);
      // An out_of_stock decided before the reopen lands late.
      await marks.mark(pool, before.epoch, 60_000);
      expect((await marks.read(pool, 'act:u1')).soldOut).toBe(false);
      await marks.mark(pool, after.epoch, 60_000);
      expect((await marks.read(pool, 'act:u1')).soldOut).toBe(true);
    });

    it('records holders per pool, for their TTL', async () => {
      expect((await marks.read(pool, 'act:u1')).holder).toBe(false);
      await marks.recordHolder(pool, 'act:u1', 60_000);
      await marks.recordHolder(pool, 'act:u2', 40);
      expect((await marks.read(pool, 'act:u1')).holder).toBe(true);
      expect((await marks.read(pool, 'act:u3')).holder).toBe(false);
      expect((await marks.read(`${pool}-other`, 'act:u1')).holder).toBe(false);
      await expect.poll(async () => (await marks.read(pool, 'act:u2')).holder, { timeout: 5_000, interval: 20 }).toBe(false);
    });

    it('a mark expires after its TTL: the safety net for a missed reopen', async () => {
      const { epoch } = await marks.read(pool, 'act:u1');
      await marks.mark(pool, epoch, 40);
      expect((await marks.read(pool, 'act:u1')).soldOut).toBe(true);
      await expect.poll(async () => (await marks.read(pool, 'act:u1')).soldOut, { timeout: 5_000, interval: 20 }).toBe(false);
    });
  });
}
