import { describe, expect, it } from 'vitest';
import { type ChildServer, inParallel } from '../support/spawn-server.js';
import { click, clickUntilSettled, Deployment, type HttpAnswer, outcomeOf, post } from './support/deployment.js';
import { SIZES } from './support/profile.js';
import { recordScenario } from './support/results.js';

/**
 * Scenario 3: storms of identical clicks spread over three processes (instance locks on Redis, the
 * ledger on PostgreSQL), per user:
 * - the same event id hundreds of times (a double-submitting client): one asset, every answer names it;
 * - hundreds of distinct clicks: one `issued`, every other answer `existing` with the same asset;
 * - a user who already holds a usable asset: every answer `existing`, nothing issued, no stock taken;
 * - a holder whose asset is redeemed in the middle of the storm: at most one new asset, never two usable.
 */
describe('3. hundreds of concurrent identical clicks, and clicks of users who hold a usable asset', () => {
  it(`${SIZES.stormClicks} concurrent clicks per user over three processes, ${SIZES.stormUsers} users per kind of storm`, async (context) => {
    const deployment = await Deployment.create('storm', {
      config: (config) => {
        const [activity] = config.activities;
        if (activity) activity.benefit.perUser = 2; // a redeemed asset lets the next round issue one more
      },
    });
    try {
      const kinds = ['same-event', 'distinct', 'holder', 'redeemed'] as const;
      const usersOf = (kind: string) => Array.from({ length: SIZES.stormUsers }, (_, i) => `storm-${kind}-${i}`);
      await deployment.prepare(kinds.flatMap(usersOf));
      const servers = await Promise.all([deployment.spawnServe(), deployment.spawnServe(), deployment.spawnServe()]);
      const on = (i: number) => servers[i % servers.length] as ChildServer;

      // Holders first: one asset each, before their storm.
      const held = new Map<string, string>();
      for (const userId of [...usersOf('holder'), ...usersOf('redeemed')]) {
        const outcome = outcomeOf(await click(on(0), userId, `first-${userId}`));
        expect(outcome).toMatchObject({ status: 'issued' });
        held.set(userId, outcome?.asset?.id as string);
      }
      const stockBefore = await deployment.ledgerTotals();

      const storm = (userId: string, eventIdOf: (i: number) => string, count: number) =>
        Promise.all(
          Array.from({ length: count }, async (_, i) => ({
            userId,
            eventId: eventIdOf(i),
            answer: await click(on(i), userId, eventIdOf(i)),
          })),
        );
      const [sameEvent, distinct, holders, redeemed] = await Promise.all([
        Promise.all(usersOf('same-event').map((userId) => storm(userId, () => `same-${userId}`, SIZES.stormClicks))),
        Promise.all(usersOf('distinct').map((userId) => storm(userId, (i) => `distinct-${userId}-${i}`, SIZES.stormClicks))),
        Promise.all(usersOf('holder').map((userId) => storm(userId, (i) => `again-${userId}-${i}`, SIZES.stormClicks))),
        Promise.all(
          usersOf('redeemed').map(async (userId) => {
            const clicks = storm(userId, (i) => `race-${userId}-${i}`, SIZES.stormClicks);
            const redeem = post(`${on(1).url}/v1/assets/${held.get(userId)}/redeem`, {});
            return { clicks: await clicks, redeem: await redeem };
          }),
        ),
      ]);

      // A click that waited longer than the lock's wait budget is answered `failed` (lock busy): safe,
      // and the client retries it with the same event id. Any other failure is a fault.
      const everyClick = [...sameEvent, ...distinct, ...holders, ...redeemed.map((r) => r.clicks)].flat();
      const lockBusy = everyClick.filter(({ answer }) => /instance lock stayed busy/.test(outcomeOf(answer)?.reason ?? ''));
      await inParallel(lockBusy.length, 32, async (i) => {
        const busy = lockBusy[i] as (typeof lockBusy)[number];
        busy.answer = (await clickUntilSettled(servers, busy.userId, busy.eventId)).answer;
      });

      const assets = await deployment.assetsByUser();
      const totals = await deployment.ledgerTotals();
      const tooMany: string[] = [];
      const wrongAnswers: string[] = [];
      const statuses = (clicks: { answer: HttpAnswer }[]) =>
        clicks.map(({ answer }) => outcomeOf(answer)?.status ?? `http ${answer.status}`);
      const assetIds = (clicks: { answer: HttpAnswer }[]) => new Set(clicks.map(({ answer }) => outcomeOf(answer)?.asset?.id));
      const namesOnly = (clicks: { answer: HttpAnswer }[], assetId: string | undefined) => {
        const ids = assetIds(clicks);
        return ids.size === 1 && ids.has(assetId);
      };
      for (const [i, userId] of usersOf('same-event').entries()) {
        const clicks = sameEvent[i] ?? [];
        if (assets.get(userId)?.length !== 1) tooMany.push(`${userId}: ${assets.get(userId)?.length} assets`);
        if (!statuses(clicks).every((s) => s === 'issued')) wrongAnswers.push(`${userId}: not every answer issued`);
        if (!namesOnly(clicks, assets.get(userId)?.[0]?.id)) wrongAnswers.push(`${userId}: answers name ${assetIds(clicks).size} assets`);
      }
      for (const [i, userId] of usersOf('distinct').entries()) {
        const clicks = distinct[i] ?? [];
        const counts = statuses(clicks).reduce((m, s) => m.set(s, (m.get(s) ?? 0) + 1), new Map<string, number>());
        if (assets.get(userId)?.length !== 1) tooMany.push(`${userId}: ${assets.get(userId)?.length} assets`);
        if (counts.get('issued') !== 1 || counts.get('existing') !== clicks.length - 1)
          wrongAnswers.push(`${userId}: ${[...counts].join(' ')}`);
        if (!namesOnly(clicks, assets.get(userId)?.[0]?.id)) wrongAnswers.push(`${userId}: answers name ${assetIds(clicks).size} assets`);
      }
      for (const [i, userId] of usersOf('holder').entries()) {
        const clicks = holders[i] ?? [];
        if (assets.get(userId)?.length !== 1) tooMany.push(`${userId}: ${assets.get(userId)?.length} assets`);
        if (!statuses(clicks).every((s) => s === 'existing')) wrongAnswers.push(`${userId}: not every answer existing`);
        if (!namesOnly(clicks, held.get(userId))) wrongAnswers.push(`${userId}: answers name ${assetIds(clicks).size} assets`);
      }
      for (const [i, userId] of usersOf('redeemed').entries()) {
        const { clicks, redeem } = redeemed[i] as (typeof redeemed)[number];
        const mine = assets.get(userId) ?? [];
        if (redeem.status !== 200 || redeem.body?.status !== 'redeemed') wrongAnswers.push(`${userId}: redeem answered ${redeem.status}`);
        if (mine.length > 2 || mine.filter((a) => a.status === 'active').length > 1) tooMany.push(`${userId}: ${mine.length} assets`);
        if (!statuses(clicks).every((s) => s === 'issued' || s === 'existing')) wrongAnswers.push(`${userId}: a click answered a fault`);
        if (statuses(clicks).filter((s) => s === 'issued').length !== mine.length - 1)
          wrongAnswers.push(`${userId}: issued answers ≠ new assets`);
      }
      const faults = [...tooMany, ...wrongAnswers];
      const stormUsers = kinds.length * SIZES.stormUsers;
      const taken = totals.total - totals.remaining;
      recordScenario(context, {
        scenario: '3',
        title: 'concurrent identical clicks',
        events: stormUsers * SIZES.stormClicks,
        assetsIssued: totals.assets - stockBefore.assets,
        duplicates: totals.extraUsable + (totals.assets - totals.keys) + tooMany.length,
        oversell: Math.max(0, totals.assets - totals.total) + Math.abs(taken - totals.assets),
        lost: wrongAnswers.length,
        deadLettered: 0,
        faults: `${SIZES.stormClicks} clicks at once per user, 3 processes; ${lockBusy.length} answered lock-busy, retried`,
      });

      expect(faults).toEqual([]);
      expect(totals.extraUsable).toBe(0);
      expect(totals.keys).toBe(totals.assets);
      expect(taken).toBe(totals.assets);
      // Holders took no stock; the others took one each, the redeemed ones at most one more.
      expect(totals.assets - stockBefore.assets).toBeGreaterThanOrEqual(2 * SIZES.stormUsers);
      expect(totals.assets - stockBefore.assets).toBeLessThanOrEqual(3 * SIZES.stormUsers);
    } finally {
      await deployment.cleanup();
    }
  });
});
