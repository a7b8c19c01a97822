import { describe, expect, it } from 'vitest';
import type { ChildServer } from '../support/spawn-server.js';
import { inParallel } from '../support/spawn-server.js';
import { click, clickUntilSettled, Deployment, type HttpAnswer, isRunning, outcomeOf, sleep } from './support/deployment.js';
import { SIZES } from './support/profile.js';
import { recordScenario } from './support/results.js';
import { restartRedis } from './support/service-control.js';

/**
 * Scenario 7: the real Redis is restarted (shutdown nosave, so every lock, fence counter and
 * prepared offer is gone) while two processes are issuing under instance locks. Locks vanish under
 * their holders and new holders take them at once; the ledger must still issue one asset per user,
 * and every answer must name that asset. Redis is always started again, whatever happens.
 */
describe('7. Redis restarted while locks are held', () => {
  it(`${SIZES.redisRestartUsers} users clicking ${SIZES.redisRestartClicksPerUser} times each over two processes: still no double issuance`, async (context) => {
    const deployment = await Deployment.create('redis_restart');
    try {
      const users = Array.from({ length: SIZES.redisRestartUsers }, (_, i) => `restart-${i}`);
      await deployment.prepare(users);
      const servers = await Promise.all([deployment.spawnServe(), deployment.spawnServe()]);
      const clicks = users.flatMap((userId) =>
        Array.from({ length: SIZES.redisRestartClicksPerUser }, (_, k) => ({ userId, eventId: `${userId}-click-${k}` })),
      );
      // Interleaved, so that each user's clicks meet on the lock.
      clicks.sort(
        (a, b) => Number(a.eventId.split('-click-')[1]) - Number(b.eventId.split('-click-')[1]) || a.userId.localeCompare(b.userId),
      );

      let done = 0;
      let locksAtShutdown = 0;
      let downtimeMs = 0;
      const storm = inParallel(clicks.length, 48, async (i) => {
        const { userId, eventId } = clicks[i] as (typeof clicks)[number];
        const answer = await click(servers[i % servers.length] as ChildServer, userId, eventId);
        done++;
        return answer;
      });
      const restart = (async () => {
        while (done < clicks.length / 10) await sleep(5);
        // Shut down the moment locks are seen held (while the storm lasts).
        while (locksAtShutdown === 0 && done < clicks.length) {
          locksAtShutdown = (await deployment.redis().keys(`${deployment.name}:lock:*`)).filter((key) => !key.endsWith(':fence')).length;
        }
        downtimeMs = await restartRedis();
      })();
      await restart;
      const answers: HttpAnswer[] = await storm;

      // Redis came back empty: the offers are prepared again, then every click that did not settle is retried.
      await deployment.prepare(users);
      const settled = await inParallel(clicks.length, 32, async (i) => {
        const first = answers[i] as HttpAnswer;
        const status = outcomeOf(first)?.status;
        if (status === 'issued' || status === 'existing') return first;
        const { userId, eventId } = clicks[i] as (typeof clicks)[number];
        return (await clickUntilSettled(servers, userId, eventId)).answer;
      });

      const assets = await deployment.assetsByUser();
      const totals = await deployment.ledgerTotals();
      const disagreeing = clicks.filter(({ userId }, i) => {
        const outcome = outcomeOf(settled[i] as HttpAnswer);
        return !(outcome?.status === 'issued' || outcome?.status === 'existing') || outcome.asset?.id !== assets.get(userId)?.[0]?.id;
      });
      const issuedAnswers = new Map<string, Set<string>>();
      for (const [i, answer] of [...answers, ...settled].entries()) {
        const outcome = outcomeOf(answer);
        if (outcome?.status !== 'issued' || !outcome.asset) continue;
        const userId = (clicks[i % clicks.length] as (typeof clicks)[number]).userId;
        issuedAnswers.set(userId, (issuedAnswers.get(userId) ?? new Set()).add(outcome.asset.id));
      }
      const doubleIssued = [...issuedAnswers.values()].filter((ids) => ids.size > 1).length;
      const faultsDuringOutage = answers.filter(
        (answer) => outcomeOf(answer)?.status !== 'issued' && outcomeOf(answer)?.status !== 'existing',
      ).length;
      recordScenario(context, {
        scenario: '7',
        title: 'Redis restarted while locks are held',
        events: clicks.length,
        assetsIssued: totals.assets,
        duplicates: totals.extraPerUser + (totals.assets - totals.keys) + doubleIssued,
        oversell: Math.max(0, totals.assets - totals.total) + Math.abs(totals.total - totals.remaining - totals.assets),
        lost: disagreeing.length + users.filter((userId) => !assets.has(userId)).length,
        deadLettered: 0,
        faults: `Redis down ${downtimeMs} ms with ${locksAtShutdown} locks held; ${faultsDuringOutage} clicks retried`,
      });

      expect(locksAtShutdown).toBeGreaterThan(0);
      expect(servers.every(isRunning)).toBe(true);
      expect(doubleIssued).toBe(0);
      expect(disagreeing.map((c) => c.eventId)).toEqual([]);
      expect(totals).toMatchObject({ assets: users.length, keys: users.length, extraPerUser: 0, extraUsable: 0 });
      expect(totals.total - totals.remaining).toBe(totals.assets);
    } finally {
      await deployment.cleanup();
    }
  });
});
