import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { effectiveStatus } from '../../src/domain/asset.js';
import { issuanceKey } from '../../src/domain/idempotency-key.js';
import type { IssueRequest, IssueResult, NextIssueRequest, RightsLedger } from '../../src/domain/ports/rights-ledger.js';

export interface RightsLedgerFixture {
  readonly port: RightsLedger;
  close(): Promise<void>;
}

const NOW = Date.parse('2026-03-01T10:00:00.000Z');
const DAY_MS = 86_400_000;

/** The behaviour every rights ledger must show, whatever stores it. */
export function describeRightsLedgerConformance(name: string, make: () => Promise<RightsLedgerFixture>): void {
  describe(`RightsLedger conformance: ${name}`, () => {
    let fixture: RightsLedgerFixture;
    let ledger: RightsLedger;
    /** Fresh ids per test, so that a shared store would not let tests see each other. */
    let activityId: string;
    let pool: string;

    beforeEach(async () => {
      fixture = await make();
      ledger = fixture.port;
      activityId = `act-${randomUUID()}`;
      pool = `pool-${randomUUID()}`;
    });
    afterEach(async () => {
      await fixture.close();
    });

    function request(userId: string, round: number, overrides: Partial<IssueRequest> = {}): IssueRequest {
      return {
        activityId,
        userId,
        pool,
        perUser: 1,
        validForMs: 7 * DAY_MS,
        idempotencyKey: issuanceKey(activityId, userId, round),
        eventId: `evt-${userId}-${round}`,
        nowMs: NOW,
        ...overrides,
      };
    }

    function nextRequest(userId: string, eventId: string, overrides: Partial<NextIssueRequest> = {}): NextIssueRequest {
      return { activityId, userId, pool, perUser: 1, validForMs: 7 * DAY_MS, eventId, nowMs: NOW, ...overrides };
    }

    async function issued(req: IssueRequest) {
      const result = await ledger.issue(req);
      if (result.kind !== 'issued') throw new Error(`expected issued, got ${result.kind}`);
      return result.asset;
    }

    function count(results: readonly IssueResult[], kind: IssueResult['kind']): number {
      return results.filter((result) => result.kind === kind).length;
    }

    describe('pools', () => {
      it('creates a pool with its whole stock and reports unknown pools as absent', async () => {
        expect(await ledger.ensurePool(pool, 10)).toEqual({ pool, total: 10, remaining: 10 });
        expect(await ledger.stock(pool)).toEqual({ pool, total: 10, remaining: 10 });
        expect(await ledger.stock(`missing-${randomUUID()}`)).toBeUndefined();
      });

      it('resizes a pool keeping what was taken, never below zero', async () => {
        await ledger.ensurePool(pool, 10);
        for (const user of ['u1', 'u2', 'u3']) await issued(request(user, 0));
        expect(await ledger.ensurePool(pool, 20)).toEqual({ pool, total: 20, remaining: 17 });
        expect(await ledger.ensurePool(pool, 5)).toEqual({ pool, total: 5, remaining: 2 });
        expect(await ledger.ensurePool(pool, 2)).toEqual({ pool, total: 2, remaining: 0 });
        expect(await ledger.stock(pool)).toEqual({ pool, total: 2, remaining: 0 });
        expect((await ledger.issue(request('u4', 0))).kind).toBe('out_of_stock');
      });

      it('a sharded pool reads as one stock, resizes keeping what was taken, and re-shards without losing a unit', async () => {
        expect(await ledger.ensurePool(pool, 10, 4)).toEqual({ pool, total: 10, remaining: 10 });
        for (const user of ['u1', 'u2', 'u3']) await issued(request(user, 0));
        expect(await ledger.stock(pool)).toEqual({ pool, total: 10, remaining: 7 });
        expect(await ledger.ensurePool(pool, 20, 8)).toEqual({ pool, total: 20, remaining: 17 });
        expect(await ledger.ensurePool(pool, 20, 3)).toEqual({ pool, total: 20, remaining: 17 });
        expect(await ledger.ensurePool(pool, 5, 16)).toEqual({ pool, total: 5, remaining: 2 });
        expect(await ledger.stock(pool)).toEqual({ pool, total: 5, remaining: 2 });
      });

      it('a sharded pool is never answered out of stock while any slot holds stock', async () => {
        // 16 slots, 3 units: most users start at an empty slot and must fall through.
        await ledger.ensurePool(pool, 3, 16);
        const results = [];
        for (let i = 0; i < 6; i += 1) results.push(await ledger.issue(request(`fall-${i}`, 0)));
        expect(results.map((result) => result.kind)).toEqual([
          'issued',
          'issued',
          'issued',
          'out_of_stock',
          'out_of_stock',
          'out_of_stock',
        ]);
        expect(await ledger.stock(pool)).toEqual({ pool, total: 3, remaining: 0 });
      });

      it('ensuring the same total again changes nothing', async () => {
        await ledger.ensurePool(pool, 4);
        await issued(request('u1', 0));
        expect(await ledger.ensurePool(pool, 4)).toEqual({ pool, total: 4, remaining: 3 });
      });
    });

    describe('issue', () => {
      it('takes one unit of stock and writes the asset with every domain field', async () => {
        await ledger.ensurePool(pool, 5);
        const req = request('u1', 0);
        const asset = await issued(req);
        expect(asset).toEqual({
          id: expect.any(String),
          activityId,
          userId: 'u1',
          pool,
          status: 'active',
          issuedAt: new Date(NOW).toISOString(),
          expiresAt: new Date(NOW + 7 * DAY_MS).toISOString(),
          idempotencyKey: req.idempotencyKey,
          eventId: req.eventId,
        });
        expect(asset.redeemedAt).toBeUndefined();
        expect(await ledger.stock(pool)).toEqual({ pool, total: 5, remaining: 4 });
        expect(await ledger.getAsset(asset.id)).toEqual(asset);
        expect(await ledger.listAssets(activityId, 'u1')).toEqual([asset]);
        expect(await ledger.listAssets(activityId, 'someone-else')).toEqual([]);
      });

      it('the same key returns the same asset and takes stock once, whatever else the retry carries', async () => {
        await ledger.ensurePool(pool, 5);
        const first = await issued(request('u1', 0));
        const again = await ledger.issue(request('u1', 0));
        expect(again).toEqual({ kind: 'existing', asset: first });
        const retriedLater = await ledger.issue(request('u1', 0, { eventId: 'another-event', nowMs: NOW + 30 * DAY_MS }));
        expect(retriedLater).toEqual({ kind: 'existing', asset: first });
        expect((await ledger.stock(pool))?.remaining).toBe(4);
      });

      it('a user holding a usable asset gets it back (held) under a new key, and nothing is issued', async () => {
        await ledger.ensurePool(pool, 5);
        const first = await issued(request('u1', 0, { perUser: 3 }));
        const second = await ledger.issue(request('u1', 1, { perUser: 3 }));
        expect(second).toEqual({ kind: 'held', asset: first });
        expect((await ledger.stock(pool))?.remaining).toBe(4);
        expect(await ledger.listAssets(activityId, 'u1')).toHaveLength(1);
      });

      it('perUser 2: issue, redeem, issue again under a new key, then the limit is reached', async () => {
        await ledger.ensurePool(pool, 10);
        const first = await issued(request('u1', 0, { perUser: 2 }));
        expect((await ledger.redeem(first.id, NOW + 1_000)).kind).toBe('redeemed');
        const second = await issued(request('u1', 1, { perUser: 2, nowMs: NOW + 2_000 }));
        expect(second.id).not.toBe(first.id);
        expect(await ledger.redeem(second.id, NOW + 3_000)).toMatchObject({ kind: 'redeemed' });
        expect(await ledger.issue(request('u1', 2, { perUser: 2, nowMs: NOW + 4_000 }))).toEqual({ kind: 'limit_reached', held: 2 });
        const assets = await ledger.listAssets(activityId, 'u1');
        expect(assets.map((asset) => asset.id)).toEqual([first.id, second.id]);
        expect(assets.map((asset) => asset.status)).toEqual(['redeemed', 'redeemed']);
        expect((await ledger.stock(pool))?.remaining).toBe(8);
      });

      it('an expired asset is not usable: a new round issues, and it cannot be redeemed', async () => {
        await ledger.ensurePool(pool, 10);
        const short = await issued(request('u1', 0, { perUser: 2, validForMs: 1_000 }));
        const later = NOW + 5_000;
        expect(await ledger.redeem(short.id, later)).toMatchObject({ kind: 'not_usable', asset: { id: short.id } });
        const next = await issued(request('u1', 1, { perUser: 2, nowMs: later }));
        expect(next.id).not.toBe(short.id);
        const [stored] = await ledger.listAssets(activityId, 'u1');
        expect(stored && effectiveStatus(stored, later)).toBe('expired');
      });

      it('expiry is exclusive: an asset is no longer usable at the instant it expires', async () => {
        await ledger.ensurePool(pool, 10);
        const asset = await issued(request('u1', 0, { perUser: 2, validForMs: 1_000 }));
        expect((await ledger.issue(request('u1', 1, { perUser: 2, nowMs: NOW + 999 }))).kind).toBe('held');
        expect((await ledger.redeem(asset.id, NOW + 1_000)).kind).toBe('not_usable');
        expect((await ledger.issue(request('u1', 1, { perUser: 2, nowMs: NOW + 1_000 }))).kind).toBe('issued');
      });

      it('answers out_of_stock when the pool is empty or unknown, taking nothing', async () => {
        await ledger.ensurePool(pool, 1);
        await issued(request('u1', 0));
        expect(await ledger.issue(request('u2', 0))).toEqual({ kind: 'out_of_stock' });
        expect(await ledger.issue(request('u3', 0, { pool: `missing-${randomUUID()}` }))).toEqual({ kind: 'out_of_stock' });
        expect(await ledger.stock(pool)).toEqual({ pool, total: 1, remaining: 0 });
        expect(await ledger.listAssets(activityId, 'u2')).toEqual([]);
      });

      it('checks in order: key used, then usable asset held, then per-user bound, then stock', async () => {
        await ledger.ensurePool(pool, 1);
        const asset = await issued(request('u1', 0));
        // The pool is now empty, yet each earlier check still answers first.
        expect((await ledger.issue(request('u1', 0))).kind).toBe('existing');
        expect((await ledger.issue(request('u1', 1))).kind).toBe('held');
        await ledger.redeem(asset.id, NOW + 1);
        expect(await ledger.issue(request('u1', 1, { nowMs: NOW + 2 }))).toEqual({ kind: 'limit_reached', held: 1 });
        expect(await ledger.issue(request('u1', 1, { perUser: 2, nowMs: NOW + 2 }))).toEqual({ kind: 'out_of_stock' });
      });

      it('the per-user bound counts assets of this activity only', async () => {
        await ledger.ensurePool(pool, 5);
        await issued(request('u1', 0));
        const otherActivity = `act-${randomUUID()}`;
        const other = await ledger.issue({
          ...request('u1', 0),
          activityId: otherActivity,
          idempotencyKey: issuanceKey(otherActivity, 'u1', 0),
        });
        expect(other.kind).toBe('issued');
        expect(await ledger.listAssets(activityId, 'u1')).toHaveLength(1);
        expect(await ledger.listAssets(otherActivity, 'u1')).toHaveLength(1);
      });
    });

    describe('issueNext (a click decided in one call)', () => {
      it('issues round 0 under the business key, then answers the same event caused and another event held', async () => {
        await ledger.ensurePool(pool, 5);
        const first = await ledger.issueNext(nextRequest('n1', 'e1'));
        expect(first).toMatchObject({ kind: 'issued', assetsHeld: 0, idempotencyKey: issuanceKey(activityId, 'n1', 0) });
        if (first.kind !== 'issued') throw new Error('expected issued');
        expect(first.asset).toMatchObject({
          activityId,
          userId: 'n1',
          pool,
          status: 'active',
          eventId: 'e1',
          idempotencyKey: `${activityId}:n1:0`,
        });
        expect(await ledger.issueNext(nextRequest('n1', 'e1'))).toMatchObject({
          kind: 'caused',
          asset: { id: first.asset.id },
          assetsHeld: 1,
        });
        expect(await ledger.issueNext(nextRequest('n1', 'e2'))).toMatchObject({
          kind: 'held',
          asset: { id: first.asset.id },
          assetsHeld: 1,
        });
        expect(await ledger.stock(pool)).toEqual({ pool, total: 5, remaining: 4 });
      });

      it('a retried event is answered with its own asset even after it was redeemed; then the bound applies', async () => {
        await ledger.ensurePool(pool, 5);
        const first = await ledger.issueNext(nextRequest('n2', 'e1'));
        if (first.kind !== 'issued') throw new Error('expected issued');
        await ledger.redeem(first.asset.id, NOW + 1);
        expect(await ledger.issueNext(nextRequest('n2', 'e1'))).toMatchObject({ kind: 'caused', asset: { id: first.asset.id } });
        expect(await ledger.issueNext(nextRequest('n2', 'e2'))).toMatchObject({ kind: 'limit_reached', held: 1, assetsHeld: 1 });
      });

      it('perUser 2: after a redeem the next click is round 1 under a new key; empty pool answers out_of_stock taking nothing', async () => {
        await ledger.ensurePool(pool, 1);
        const first = await ledger.issueNext(nextRequest('n3', 'e1', { perUser: 2 }));
        if (first.kind !== 'issued') throw new Error('expected issued');
        await ledger.redeem(first.asset.id, NOW + 1);
        expect(await ledger.issueNext(nextRequest('n3', 'e2', { perUser: 2 }))).toMatchObject({ kind: 'out_of_stock', assetsHeld: 1 });
        await ledger.ensurePool(pool, 2);
        expect(await ledger.issueNext(nextRequest('n3', 'e3', { perUser: 2 }))).toMatchObject({
          kind: 'issued',
          idempotencyKey: issuanceKey(activityId, 'n3', 1),
          assetsHeld: 1,
        });
        expect(await ledger.listAssets(activityId, 'n3')).toHaveLength(2);
      });

      it('500 concurrent clicks of one user with different events: one issued, the rest get that asset', async () => {
        await ledger.ensurePool(pool, 50, 4);
        const results = await Promise.all(Array.from({ length: 500 }, (_, i) => ledger.issueNext(nextRequest('n4', `burst-${i}`))));
        const issuedOnes = results.filter((result) => result.kind === 'issued');
        expect(issuedOnes).toHaveLength(1);
        expect(results.filter((result) => result.kind === 'held')).toHaveLength(499);
        expect(await ledger.stock(pool)).toEqual({ pool, total: 50, remaining: 49 });
      });
    });

    describe('frequency cap (perUserPer) per calendar period in the activity time zone', () => {
      const DAILY_IN_SHANGHAI = { count: 1, period: 'day', timeZone: 'Asia/Shanghai' } as const;
      // NOW is 18:00 on 1 March in Shanghai; its day ends at 16:00Z, while the UTC day goes on to midnight.
      const SHANGHAI_MIDNIGHT = Date.parse('2026-03-01T16:00:00.000Z');
      const capped = (overrides: Partial<NextIssueRequest> = {}) => ({ perUser: 100, perUserPer: DAILY_IN_SHANGHAI, ...overrides });

      it('issueNext: one per Shanghai day, refused up to the last ms before local midnight, issued again from it', async () => {
        await ledger.ensurePool(pool, 10);
        const first = await ledger.issueNext(nextRequest('p1', 'e1', capped()));
        if (first.kind !== 'issued') throw new Error(`expected issued, got ${first.kind}`);
        await ledger.redeem(first.asset.id, NOW + 1);
        expect(await ledger.issueNext(nextRequest('p1', 'e2', capped({ nowMs: NOW + 60_000 })))).toEqual({
          kind: 'period_limit_reached',
          issuedInPeriod: 1,
          periodStart: '2026-02-28T16:00:00.000Z',
          assetsHeld: 1,
        });
        expect(await ledger.issueNext(nextRequest('p1', 'e3', capped({ nowMs: SHANGHAI_MIDNIGHT - 1 })))).toMatchObject({
          kind: 'period_limit_reached',
        });
        const nextDay = await ledger.issueNext(nextRequest('p1', 'e4', capped({ nowMs: SHANGHAI_MIDNIGHT })));
        expect(nextDay).toMatchObject({ kind: 'issued', idempotencyKey: issuanceKey(activityId, 'p1', 1) });
        expect(await ledger.stock(pool)).toEqual({ pool, total: 10, remaining: 8 });
      });

      it('issue (keyed): the cap is checked after the per-user bound and before stock, and takes nothing', async () => {
        await ledger.ensurePool(pool, 10);
        const first = await issued(request('p2', 0, capped()));
        await ledger.redeem(first.id, NOW + 1);
        expect(await ledger.issue(request('p2', 1, capped({ nowMs: NOW + 5 })))).toEqual({
          kind: 'period_limit_reached',
          issuedInPeriod: 1,
          periodStart: '2026-02-28T16:00:00.000Z',
        });
        // The per-user bound answers first when both refuse.
        expect(await ledger.issue(request('p2', 1, capped({ perUser: 1, nowMs: NOW + 5 })))).toEqual({ kind: 'limit_reached', held: 1 });
        expect(await ledger.stock(pool)).toEqual({ pool, total: 10, remaining: 9 });
        expect((await ledger.issue(request('p2', 1, capped({ nowMs: SHANGHAI_MIDNIGHT })))).kind).toBe('issued');
      });

      it('counts this activity and this user only; count 2 per week lets a second one through', async () => {
        await ledger.ensurePool(pool, 10);
        const weekly = { count: 2, period: 'week', timeZone: 'Asia/Shanghai' } as const;
        for (const [user, event] of [
          ['p3', 'a'],
          ['p4', 'b'],
        ] as const) {
          const got = await ledger.issueNext(nextRequest(user, event, capped({ validForMs: 1 })));
          expect(got.kind).toBe('issued');
        }
        const second = await ledger.issueNext(nextRequest('p3', 'c', capped({ nowMs: NOW + 10, validForMs: 1, perUserPer: weekly })));
        expect(second.kind).toBe('issued');
        expect(
          await ledger.issueNext(nextRequest('p3', 'd', capped({ nowMs: NOW + 20, validForMs: 1, perUserPer: weekly }))),
        ).toMatchObject({
          kind: 'period_limit_reached',
          issuedInPeriod: 2,
        });
      });

      it('300 concurrent clicks of one user whose assets expire at once: exactly one issued in the day', async () => {
        await ledger.ensurePool(pool, 1_000, 8);
        // Each click comes 2 ms after the last one's asset expired: without the cap, most would issue.
        const results = await Promise.all(
          Array.from({ length: 300 }, (_, i) =>
            ledger.issueNext(nextRequest('p5', `burst-${i}`, capped({ validForMs: 1, nowMs: NOW + i * 2 }))),
          ),
        );
        expect(results.filter((result) => result.kind === 'issued')).toHaveLength(1);
        expect(results.every((result) => ['issued', 'held', 'period_limit_reached'].includes(result.kind))).toBe(true);
        expect(await ledger.listAssets(activityId, 'p5')).toHaveLength(1);
        expect(await ledger.stock(pool)).toEqual({ pool, total: 1_000, remaining: 999 });
      });
    });

    describe('redeem and read', () => {
      it('redeems a usable asset once, recording when', async () => {
        await ledger.ensurePool(pool, 5);
        const asset = await issued(request('u1', 0));
        const at = NOW + 60_000;
        const redeemed = await ledger.redeem(asset.id, at);
        expect(redeemed).toEqual({ kind: 'redeemed', asset: { ...asset, status: 'redeemed', redeemedAt: new Date(at).toISOString() } });
        expect(await ledger.getAsset(asset.id)).toEqual({ ...asset, status: 'redeemed', redeemedAt: new Date(at).toISOString() });
        const again = await ledger.redeem(asset.id, at + 1);
        expect(again).toMatchObject({ kind: 'not_usable', asset: { id: asset.id, status: 'redeemed' } });
      });

      it('unknown assets are absent and cannot be redeemed, whatever the id looks like', async () => {
        for (const id of ['missing', randomUUID(), '']) {
          expect(await ledger.getAsset(id)).toBeUndefined();
          expect(await ledger.redeem(id, NOW)).toEqual({ kind: 'not_found' });
        }
      });

      it('concurrent redeems of one asset have exactly one winner', async () => {
        await ledger.ensurePool(pool, 5);
        const asset = await issued(request('u1', 0));
        const results = await Promise.all(Array.from({ length: 50 }, () => ledger.redeem(asset.id, NOW + 1)));
        expect(results.filter((result) => result.kind === 'redeemed')).toHaveLength(1);
        expect(results.filter((result) => result.kind === 'not_usable')).toHaveLength(49);
      });
    });

    describe('under concurrency', () => {
      it('500 concurrent issues for one user with the same key: one issued, the rest get that asset', async () => {
        await ledger.ensurePool(pool, 50);
        const results = await Promise.all(Array.from({ length: 500 }, () => ledger.issue(request('u1', 0))));
        expect(count(results, 'issued')).toBe(1);
        expect(count(results, 'existing') + count(results, 'held')).toBe(499);
        const ids = new Set(results.map((result) => ('asset' in result ? result.asset.id : undefined)));
        expect(ids.size).toBe(1);
        expect((await ledger.stock(pool))?.remaining).toBe(49);
        expect(await ledger.listAssets(activityId, 'u1')).toHaveLength(1);
      });

      it('concurrent rounds of one user never yield a second usable asset', async () => {
        await ledger.ensurePool(pool, 50);
        const results = await Promise.all(Array.from({ length: 60 }, (_, round) => ledger.issue(request('u1', round, { perUser: 5 }))));
        expect(count(results, 'issued')).toBe(1);
        expect(count(results, 'held')).toBe(59);
        expect(await ledger.listAssets(activityId, 'u1')).toHaveLength(1);
        expect((await ledger.stock(pool))?.remaining).toBe(49);
      });

      it('1,000 concurrent first clicks (issueNext) on a pool of 100 in 8 slots: exactly 100 issued, none oversold', async () => {
        await ledger.ensurePool(pool, 100, 8);
        const users = Array.from({ length: 300 }, (_, i) => `next-${i}`);
        const results = await Promise.all(
          Array.from({ length: 1_000 }, (_, i) => ledger.issueNext(nextRequest(users[i % users.length] ?? '', `click-${i}`))),
        );
        const issuedCount = results.filter((result) => result.kind === 'issued').length;
        expect(issuedCount).toBe(100);
        expect(results.every((result) => ['issued', 'held', 'out_of_stock', 'existing'].includes(result.kind))).toBe(true);
        expect(await ledger.stock(pool)).toEqual({ pool, total: 100, remaining: 0 });
        const held = await Promise.all(users.map((user) => ledger.listAssets(activityId, user)));
        expect(held.every((assets) => assets.length <= 1)).toBe(true);
        expect(held.reduce((sum, assets) => sum + assets.length, 0)).toBe(100);
      });

      it('1,000 concurrent issues across 300 users with stock 100: exactly 100 issued, none oversold', async () => {
        await ledger.ensurePool(pool, 100);
        const users = Array.from({ length: 300 }, (_, i) => `user-${i}`);
        const results = await Promise.all(Array.from({ length: 1_000 }, (_, i) => ledger.issue(request(users[i % users.length] ?? '', 0))));
        expect(count(results, 'issued')).toBe(100);
        expect(count(results, 'issued') + count(results, 'existing') + count(results, 'held') + count(results, 'out_of_stock')).toBe(1_000);
        expect(await ledger.stock(pool)).toEqual({ pool, total: 100, remaining: 0 });
        const held = await Promise.all(users.map((user) => ledger.listAssets(activityId, user)));
        expect(held.every((assets) => assets.length <= 1)).toBe(true);
        expect(held.reduce((sum, assets) => sum + assets.length, 0)).toBe(100);
      });
    });
  });
}
