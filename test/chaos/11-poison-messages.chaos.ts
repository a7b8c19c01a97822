import { describe, expect, it } from 'vitest';
import type { BehaviorMessage } from '../../src/domain/ports/broker.js';
import { inParallel } from '../support/spawn-server.js';
import { chaosFetch, Deployment, isRunning, post, VIEWED_ITEMS, waitUntil } from './support/deployment.js';
import { SIZES } from './support/profile.js';
import { recordScenario } from './support/results.js';

const MAX_ATTEMPTS = 5;

/**
 * Scenario 11: messages whose chain fails every time (STRATEGY_CENTER_FAULTS=poison-users:poison-)
 * among healthy ones, on Redis Streams with two workers. Each poison message is delivered exactly
 * the bounded number of times, then dead-lettered once with its reason; every healthy message is
 * consumed; the workers keep running. Then the fault is lifted and the dead letters are replayed:
 * nothing was lost.
 */
describe('11. poison messages', () => {
  it(`${SIZES.poisonMessages} poison among ${SIZES.healthyMessages} healthy messages: bounded retries, then dead letters, others unaffected`, async (context) => {
    const deployment = await Deployment.create('poison', { broker: 'redis' });
    try {
      const servers = await Promise.all([
        deployment.spawnServe({ faults: 'poison-users:poison-' }),
        deployment.spawnServe({ faults: 'poison-users:poison-' }),
      ]);
      const publisher = await deployment.publisher();
      const poison = Array.from({ length: SIZES.poisonMessages }, (_, i) => `poison-${i}`);
      const healthy = Array.from({ length: SIZES.healthyMessages }, (_, i) => `healthy-${i}`);
      const message = (userId: string): BehaviorMessage => ({
        channelCode: 'browse_3_items',
        userId,
        eventId: `b-${userId}`,
        payload: { itemIds: VIEWED_ITEMS },
      });
      // Poison spread evenly through the healthy traffic.
      const every = Math.max(1, Math.floor(healthy.length / poison.length));
      const order: string[] = [];
      for (const [i, userId] of healthy.entries()) {
        const poisoned = i % every === 0 ? poison[i / every] : undefined;
        if (poisoned) order.push(poisoned);
        order.push(userId);
      }
      order.push(...poison.filter((userId) => !order.includes(userId)));
      await inParallel(order.length, 16, (i) => publisher.publish(message(order[i] as string)));

      await waitUntil(
        async () =>
          (await deployment.deadLetters()).length >= poison.length && (await deployment.preparedUsers(healthy)).size === healthy.length,
        60_000,
        async () =>
          `${(await deployment.deadLetters()).length} dead letters, ${(await deployment.preparedUsers(healthy)).size} healthy prepared`,
      );
      const deadLetters = await deployment.deadLetters();
      const listed = await chaosFetch(`${servers[0]?.url}/v1/dead-letters?limit=1000`).then(
        (r) => r.json() as Promise<{ deadLetters: unknown[] }>,
      );
      const lettered = deadLetters.map((letter) => (JSON.parse(letter.body) as BehaviorMessage).userId).sort();
      const badLetters = deadLetters.filter(
        (letter) => letter.attempts !== MAX_ATTEMPTS || !/failed after 5 attempts: .*poison/.test(letter.reason),
      );
      const preparedPoison = (await deployment.preparedUsers(poison)).size;
      const healthyPrepared = (await deployment.preparedUsers(healthy)).size;
      const alive = servers.every(isRunning);

      // The fault lifted (a fixed deploy): replay every dead letter.
      await Promise.all(servers.map((server) => server.stop()));
      const fixed = await deployment.spawnServe();
      const replays = await inParallel(deadLetters.length, 8, (i) => post(`${fixed.url}/v1/dead-letters/${deadLetters[i]?.id}/replay`, {}));
      await waitUntil(
        async () => (await deployment.preparedUsers(poison)).size === poison.length,
        30_000,
        async () => `${(await deployment.preparedUsers(poison)).size} of ${poison.length} replayed and prepared`,
      ).catch(() => undefined);
      const recovered = (await deployment.preparedUsers(poison)).size;

      recordScenario(context, {
        scenario: '11',
        title: 'poison messages',
        events: order.length,
        assetsIssued: 0,
        duplicates: deadLetters.length - new Set(lettered).size + preparedPoison,
        oversell: 0,
        lost: healthy.length - healthyPrepared + (poison.length - recovered),
        deadLettered: deadLetters.length,
        faults: `${poison.length} users' chains always fail; replayed after the fix`,
      });

      expect(alive).toBe(true);
      expect(lettered).toEqual([...poison].sort());
      expect(badLetters).toEqual([]);
      expect(listed.deadLetters).toHaveLength(poison.length);
      expect(preparedPoison).toBe(0);
      expect(healthyPrepared).toBe(healthy.length);
      expect(replays.map((replay) => replay.status)).toEqual(deadLetters.map(() => 200));
      expect(recovered).toBe(poison.length);
    } finally {
      await deployment.cleanup();
    }
  });
});
