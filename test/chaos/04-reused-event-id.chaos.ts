import { describe, expect, it } from 'vitest';
import type { ChildServer } from '../support/spawn-server.js';
import { inParallel } from '../support/spawn-server.js';
import { chaosFetch, click, counterOf, Deployment, outcomeOf, VIEWED_ITEMS, waitUntil } from './support/deployment.js';
import { SIZES } from './support/profile.js';
import { recordScenario } from './support/results.js';

/**
 * Scenario 4: the client's idempotency handle is the event id. Reused with another payload (or for
 * another user, or on another channel) it is refused — 409 `conflict` naming the field over HTTP, a
 * dead letter with the reason on the broker — before anything runs: no asset, no stock, no trace,
 * no prepared data overwritten. The exact retry still gets its asset back.
 */
describe('4. the same idempotency key with a different payload', () => {
  it(`is refused with no side effect: ${SIZES.conflictPairs} reused ids over HTTP and the broker, ${SIZES.conflictingConcurrent} at once on one id`, async (context) => {
    const deployment = await Deployment.create('reused_id', { broker: 'redis' });
    try {
      const pairs = Array.from({ length: SIZES.conflictPairs }, (_, i) => i);
      await deployment.prepare([...pairs.flatMap((i) => [`owner-${i}`, `other-${i}`, `late-${i}`]), 'contended']);
      const servers = await Promise.all([deployment.spawnServe(), deployment.spawnServe(), deployment.spawnServe()]);
      const on = (i: number) => servers[i % servers.length] as ChildServer;

      // Each owner's first click takes an asset under its event id.
      const first = await inParallel(pairs.length, 16, (i) => click(on(i), `owner-${i}`, `pair-${i}`, { variant: 'a' }));
      const stockAfterFirst = await deployment.ledgerTotals();

      // Then, all at once: the same id with another payload, the same id for another user, the exact retry.
      const [otherPayload, otherUser, exactRetry] = await Promise.all([
        inParallel(pairs.length, 16, (i) => click(on(i + 1), `owner-${i}`, `pair-${i}`, { variant: 'b' })),
        inParallel(pairs.length, 16, (i) => click(on(i + 2), `other-${i}`, `pair-${i}`, { variant: 'a' })),
        inParallel(pairs.length, 16, (i) => click(on(i), `owner-${i}`, `pair-${i}`, { variant: 'a' })),
      ]);
      // One id, many payloads at once: exactly one of them runs.
      const contended = await Promise.all(
        Array.from({ length: SIZES.conflictingConcurrent }, (_, i) => click(on(i), 'contended', 'contended-click', { variant: i })),
      );
      const traces = await inParallel(pairs.length, 16, (i) =>
        chaosFetch(`${on(i).url}/v1/events/pair-${i}/trace`).then((r) => r.json() as Promise<{ chains: unknown[] }>),
      );

      // The broker: a preparation message repeated with other items, and a click message reusing an HTTP click's id.
      const publisher = await deployment.publisher();
      const acked = async () =>
        (await Promise.all(servers.map((s) => counterOf(s, 'strategy_center_deliveries_total', { verdict: 'ack' })))).reduce(
          (a, b) => a + b,
          0,
        );
      const browse = (i: number, itemIds: string[]) => ({
        channelCode: 'browse_3_items',
        userId: `late-${i}`,
        eventId: `late-browse-${i}`,
        payload: { itemIds },
      });
      const preparedBefore = await deployment.preparedUsers(pairs.map((i) => `late-${i}`));
      await Promise.all(pairs.map((i) => publisher.publish(browse(i, VIEWED_ITEMS))));
      await waitUntil(
        async () => (await acked()) >= pairs.length,
        30_000,
        async () => `${await acked()} of ${pairs.length} acknowledged`,
      );
      await Promise.all([
        ...pairs.map((i) => publisher.publish(browse(i, ['sku-010', 'sku-011', 'sku-010']))),
        ...pairs.map((i) => publisher.publish({ channelCode: 'home_banner', userId: `other-${i}`, eventId: `pair-${i}` })),
      ]);
      await waitUntil(
        async () => (await acked()) >= 3 * pairs.length,
        30_000,
        async () => `${await acked()} of ${3 * pairs.length} acknowledged`,
      );

      const assets = await deployment.assetsByUser();
      const totals = await deployment.ledgerTotals();
      const deadLetters = await deployment.deadLetters();
      const prepared = await deployment.preparedUsers(pairs.map((i) => `late-${i}`));
      const refusedWith = (answer: { status: number; body: any }, path: string) =>
        answer.status === 409 &&
        answer.body?.error?.code === 'conflict' &&
        answer.body.error.details.some((detail: { path: string }) => detail.path === path);
      const problems = [
        ...first.flatMap((answer, i) => (outcomeOf(answer)?.status === 'issued' ? [] : [`owner-${i} first click: ${answer.text}`])),
        ...otherPayload.flatMap((answer, i) =>
          refusedWith(answer, 'body.payload') ? [] : [`pair-${i} other payload: ${answer.status} ${answer.text}`],
        ),
        ...otherUser.flatMap((answer, i) =>
          refusedWith(answer, 'body.userId') ? [] : [`pair-${i} other user: ${answer.status} ${answer.text}`],
        ),
        ...exactRetry.flatMap((answer, i) => {
          const outcome = outcomeOf(answer);
          return outcome?.status === 'issued' && outcome.asset?.id === outcomeOf(first[i] as never)?.asset?.id
            ? []
            : [`pair-${i} exact retry: ${answer.text}`];
        }),
        ...traces.flatMap((trace, i) => (trace.chains.length === 2 ? [] : [`pair-${i}: ${trace.chains.length} chains traced, expected 2`])),
      ];
      const contendedRan = contended.filter((answer) => answer.status === 200);
      const contendedRefused = contended.filter((answer) => refusedWith(answer, 'body.payload'));
      const stolen = pairs.filter((i) => assets.has(`other-${i}`));
      const overwritten = pairs.filter((i) => {
        const before = preparedBefore.get(`late-${i}`);
        const after = prepared.get(`late-${i}`);
        return after?.eventId !== `late-browse-${i}` || JSON.stringify(after.data) !== JSON.stringify(before?.data);
      });
      const conflictLetters = deadLetters.filter((letter) => /already used for an event with a different/.test(letter.reason));
      recordScenario(context, {
        scenario: '4',
        title: 'same event id, different payload',
        events: pairs.length * 4 + contended.length + pairs.length * 3,
        assetsIssued: totals.assets,
        duplicates: stolen.length + overwritten.length + Math.max(0, contendedRan.length - 1) + totals.extraPerUser,
        oversell: Math.max(0, totals.assets - totals.total) + Math.abs(totals.total - totals.remaining - totals.assets),
        lost: problems.length,
        deadLettered: deadLetters.length,
        faults: 'event ids reused with other content',
      });

      expect(problems).toEqual([]);
      expect(contendedRan).toHaveLength(1);
      expect(outcomeOf(contendedRan[0] as never)).toMatchObject({ status: 'issued' });
      expect(contendedRefused).toHaveLength(contended.length - 1);
      expect(stolen).toEqual([]);
      expect(overwritten).toEqual([]);
      expect(preparedBefore.size).toBe(pairs.length);
      // Owners and the contended user hold one asset each; the refused requests took no stock.
      expect(totals).toMatchObject({ assets: pairs.length + 1, keys: pairs.length + 1, extraPerUser: 0 });
      expect(stockAfterFirst.assets).toBe(pairs.length);
      expect(totals.total - totals.remaining).toBe(totals.assets);
      expect(conflictLetters).toHaveLength(2 * pairs.length);
      expect(deadLetters).toHaveLength(2 * pairs.length);
      expect(assets.get('contended')).toHaveLength(1);
      expect([...assets.keys()].every((userId) => userId.startsWith('owner-') || userId === 'contended')).toBe(true);
    } finally {
      await deployment.cleanup();
    }
  });
});
