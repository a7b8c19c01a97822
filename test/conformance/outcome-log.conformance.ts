import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { HourlyOutcomeCount, OutcomeLog, OutcomeRecord } from '../../src/domain/ports/outcome-log.js';
import type { MakeSubject, Subject } from './conformance-support.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-01T10:00:00.000Z');

/** Counts summed over every row matching `where`, so that how an adapter splits rows does not matter. */
function total(rows: readonly HourlyOutcomeCount[], where: Partial<HourlyOutcomeCount>): number {
  return rows
    .filter((row) => Object.entries(where).every(([key, value]) => row[key as keyof HourlyOutcomeCount] === value))
    .reduce((sum, row) => sum + row.count, 0);
}

function issued(
  activityId: string,
  version: string,
  atMs: number,
  expiresAtMs = atMs + 2 * HOUR,
): Extract<OutcomeRecord, { kind: 'issued' }> {
  return { kind: 'issued', activityId, templateId: 'promo', version, atMs, assetId: randomUUID(), expiresAtMs };
}

export function describeOutcomeLogConformance(name: string, make: MakeSubject<OutcomeLog>): void {
  describe(`OutcomeLog conformance: ${name}`, () => {
    let subject: Subject<OutcomeLog> | undefined;

    async function open(): Promise<OutcomeLog> {
      subject = await make();
      return subject.store;
    }
    afterEach(async () => {
      await subject?.close();
      subject = undefined;
    });

    it('counts issuances, rejections by reason and failures per hour and template version', async () => {
      const log = await open();
      await log.append([
        issued('a1', '1.0', T0 + 5),
        issued('a1', '1.0', T0 + HOUR - 1),
        issued('a1', '2.0', T0 + HOUR),
        { kind: 'rejected', activityId: 'a1', templateId: 'promo', version: '1.0', atMs: T0 + 10, reason: 'out_of_stock' },
        { kind: 'rejected', activityId: 'a1', templateId: 'promo', version: '1.0', atMs: T0 + 11, reason: 'out_of_stock' },
        { kind: 'rejected', activityId: 'a1', templateId: 'promo', version: '2.0', atMs: T0 + 12, reason: 'rule_failed' },
        { kind: 'failed', activityId: 'a1', templateId: 'promo', version: '1.0', atMs: T0 + 13, reason: 'send-benefit' },
        issued('other', '1.0', T0),
      ]);
      const rows = await log.hourly('a1', T0, T0 + 2 * HOUR);
      expect(total(rows, { status: 'issued', version: '1.0', hourMs: T0 })).toBe(2);
      expect(total(rows, { status: 'issued', version: '2.0', hourMs: T0 + HOUR })).toBe(1);
      expect(total(rows, { status: 'rejected', reason: 'out_of_stock', version: '1.0' })).toBe(2);
      expect(total(rows, { status: 'rejected', reason: 'rule_failed', version: '2.0' })).toBe(1);
      expect(total(rows, { status: 'failed', reason: 'send-benefit' })).toBe(1);
      expect(rows.every((row) => row.templateId === 'promo')).toBe(true);
      // Another activity's outcomes and hours outside [from, to) are not answered.
      expect(total(await log.hourly('a1', T0 + HOUR, T0 + 2 * HOUR), { status: 'issued' })).toBe(1);
      expect(total(await log.hourly('other', T0, T0 + HOUR), { status: 'issued' })).toBe(1);
    });

    it('counts an issuance as expiring in its expiry hour until it is redeemed, under the version it was issued under', async () => {
      const log = await open();
      const early = issued('a1', '1.0', T0, T0 + 3 * HOUR + 5);
      const late = issued('a1', '2.0', T0, T0 + 3 * HOUR + 6);
      await log.append([early, late]);
      await log.refresh();
      // Redeemed after its issuance was folded, and another whose issuance is in the same batch.
      const third = issued('a1', '2.0', T0 + 1, T0 + 4 * HOUR);
      await log.append([
        third,
        { kind: 'redeemed', activityId: 'a1', atMs: T0 + HOUR, assetId: early.assetId, expiresAtMs: early.expiresAtMs },
        { kind: 'redeemed', activityId: 'a1', atMs: T0 + HOUR, assetId: third.assetId, expiresAtMs: third.expiresAtMs },
      ]);
      const rows = await log.hourly('a1', T0, T0 + 5 * HOUR);
      expect(total(rows, { status: 'redeemed', version: '1.0', hourMs: T0 + HOUR })).toBe(1);
      expect(total(rows, { status: 'redeemed', version: '2.0', hourMs: T0 + HOUR })).toBe(1);
      expect(total(rows, { status: 'expiring', version: '1.0', hourMs: T0 + 3 * HOUR })).toBe(0);
      expect(total(rows, { status: 'expiring', version: '2.0', hourMs: T0 + 3 * HOUR })).toBe(1);
      expect(total(rows, { status: 'expiring', version: '2.0', hourMs: T0 + 4 * HOUR })).toBe(0);
    });

    it('counts the redemption of an asset whose issuance was never recorded under no version, and takes no expiry back', async () => {
      const log = await open();
      await log.append([{ kind: 'redeemed', activityId: 'a1', atMs: T0, assetId: randomUUID(), expiresAtMs: T0 + HOUR }]);
      const rows = await log.hourly('a1', T0, T0 + 2 * HOUR);
      expect(total(rows, { status: 'redeemed', templateId: '', version: '' })).toBe(1);
      expect(total(rows, { status: 'expiring' })).toBe(0);
    });

    it('answers the same before and after a refresh, and a second refresh adds nothing', async () => {
      const log = await open();
      await log.append([issued('a1', '1.0', T0), issued('a1', '1.0', T0 + 1)]);
      const before = total(await log.hourly('a1', T0, T0 + HOUR), { status: 'issued' });
      await log.refresh();
      await log.refresh();
      expect(total(await log.hourly('a1', T0, T0 + HOUR), { status: 'issued' })).toBe(before);
      expect(before).toBe(2);
    });

    it('loses and doubles nothing when appends and refreshes run concurrently', async () => {
      const log = await open();
      const batches = Array.from({ length: 20 }, (_, i) => Array.from({ length: 25 }, (_, j) => issued('a1', '1.0', T0 + i * 100 + j)));
      await Promise.all([
        ...batches.map((batch) => log.append(batch)),
        ...Array.from({ length: 10 }, () => log.refresh()),
        ...Array.from({ length: 5 }, () => log.hourly('a1', T0, T0 + HOUR)),
      ]);
      await Promise.all([log.refresh(), log.refresh()]);
      expect(total(await log.hourly('a1', T0, T0 + HOUR), { status: 'issued' })).toBe(500);
    });
  });
}
