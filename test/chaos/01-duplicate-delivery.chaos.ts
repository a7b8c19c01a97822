import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app/create-app.js';
import type { BehaviorMessage } from '../../src/domain/ports/broker.js';
import { inParallel } from '../support/spawn-server.js';
import { ACTIVITY, counterOf, Deployment, VIEWED_ITEMS, waitUntil } from './support/deployment.js';
import { SIZES } from './support/profile.js';
import { recordScenario } from './support/results.js';

/**
 * Scenario 1: every message is delivered twice (published twice under distinct broker message ids,
 * so that no broker de-duplicates them, twins side by side so that two workers race on them). The
 * end state must be the one the same messages leave when each is processed exactly once.
 */
describe('1. duplicate delivery of every message', () => {
  for (const broker of SIZES.duplicateBrokers) {
    it(`${broker}: ${SIZES.duplicateUsers} users' preparation and click messages, each delivered twice, end as if delivered once`, async (context) => {
      const deployment = await Deployment.create(`dup_${broker}`, { broker });
      try {
        const servers = await Promise.all([deployment.spawnServe(), deployment.spawnServe()]);
        const publisher = await deployment.publisher();
        const users = Array.from({ length: SIZES.duplicateUsers }, (_, i) => `dup-${i}`);
        const browse: BehaviorMessage[] = users.map((userId) => ({
          channelCode: 'browse_3_items',
          userId,
          eventId: `browse:${userId}`,
          payload: { itemIds: VIEWED_ITEMS },
        }));
        const clicks: BehaviorMessage[] = users.map((userId) => ({ channelCode: 'home_banner', userId, eventId: `click:${userId}` }));
        const acked = async () =>
          (await Promise.all(servers.map((s) => counterOf(s, 'strategy_center_deliveries_total', { verdict: 'ack' })))).reduce(
            (a, b) => a + b,
            0,
          );

        const deliverTwice = async (messages: BehaviorMessage[], ackedBefore: number) => {
          // m0, m0', m1, m1' …: the twins are in flight together.
          await inParallel(messages.length * 2, 32, (i) => {
            const message = messages[Math.floor(i / 2)] as BehaviorMessage;
            return publisher.publishRaw(JSON.stringify(message), { messageId: `${message.eventId}#${i % 2}` });
          });
          const expected = ackedBefore + messages.length * 2;
          await waitUntil(
            async () => (await acked()) >= expected,
            60_000,
            async () => `${await acked()} of ${expected} deliveries acknowledged`,
          );
        };
        await deliverTwice(browse, 0);
        await deliverTwice(clicks, users.length * 2);

        // The same messages, each once, through the product on the embedded defaults.
        // The embedded default keeps only the config's client secret, whatever the deployment's backends.
        const { CHAOS_CLIENT_SECRET } = deployment.appEnv();
        const reference = await createApp({ configPath: deployment.configPath, env: { CHAOS_CLIENT_SECRET } });
        const expectedPrepared = new Map<string, unknown>();
        const expectedAssets = new Map<string, string>();
        try {
          for (const message of browse) await reference.dispatcher.dispatch(message);
          for (const message of clicks) await reference.dispatcher.dispatch(message);
          for (const userId of users) {
            const instance = await reference.rights.instanceOf(ACTIVITY, userId);
            expectedPrepared.set(userId, { eventId: instance.prepared?.eventId, data: instance.prepared?.data });
            const assets = await reference.ledger.listAssets(ACTIVITY, userId);
            expectedAssets.set(userId, assets.map((a) => `${a.eventId}|${a.idempotencyKey}`).join(','));
          }
        } finally {
          await reference.close();
        }
        const prepared = await deployment.preparedUsers(users);
        const assets = await deployment.assetsByUser();
        const totals = await deployment.ledgerTotals();
        const deadLetters = await deployment.deadLetters();
        const retried = (
          await Promise.all(servers.map((s) => counterOf(s, 'strategy_center_deliveries_total', { verdict: 'retry' })))
        ).reduce((a, b) => a + b, 0);
        const differentPrepared = users.filter((userId) => {
          const stored = prepared.get(userId);
          return JSON.stringify({ eventId: stored?.eventId, data: stored?.data }) !== JSON.stringify(expectedPrepared.get(userId));
        });
        const differentAssets = users.filter(
          (userId) => (assets.get(userId) ?? []).map((a) => `${a.eventId}|${a.idempotencyKey}`).join(',') !== expectedAssets.get(userId),
        );
        recordScenario(context, {
          scenario: '1',
          title: `duplicate delivery (${broker})`,
          events: (browse.length + clicks.length) * 2,
          assetsIssued: totals.assets,
          duplicates: totals.extraPerUser + (totals.assets - totals.keys),
          oversell: Math.max(0, totals.assets - totals.total) + Math.abs(totals.total - totals.remaining - totals.assets),
          lost: differentPrepared.length + differentAssets.length,
          deadLettered: deadLetters.length,
          faults: 'every message delivered twice',
        });

        expect(differentPrepared).toEqual([]);
        expect(differentAssets).toEqual([]);
        expect(totals).toMatchObject({ assets: users.length, keys: users.length, extraPerUser: 0, extraUsable: 0 });
        expect(totals.total - totals.remaining).toBe(users.length);
        expect(deadLetters).toEqual([]);
        expect(retried).toBe(0);
      } finally {
        await deployment.cleanup();
      }
    });
  }
});
