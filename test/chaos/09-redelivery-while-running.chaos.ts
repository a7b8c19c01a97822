import { describe, expect, it } from 'vitest';
import { behaviorConsumer } from '../../src/access/behavior-consumer.js';
import { type App, createApp } from '../../src/app/create-app.js';
import type { Subscription } from '../../src/domain/ports/broker.js';
import type { Processor } from '../../src/domain/processor.js';
import type { StrategyTemplate } from '../../src/domain/strategy-template.js';
import type { BrokerAdapter } from '../../src/infra/broker/broker-adapter.js';
import { createBroker } from '../../src/infra/broker/create-broker.js';
import { BROKER_URLS, Deployment, sleep, waitUntil } from './support/deployment.js';
import { SIZES } from './support/profile.js';
import { recordScenario } from './support/results.js';

const ACK_WAIT_MS = 500;
const FIRST_RUN_MS = 2_000;

interface Run {
  readonly worker: string;
  readonly startedAt: number;
  endedAt?: number;
}

/**
 * Scenario 9: the first worker's run of a message is slow — past the broker's ack wait — so the
 * broker hands the message to a worker again while the first run is still going (no instance lock:
 * the two runs really overlap). Both runs reach the ledger; there must be one effect: one asset per
 * message, the stock taken once, both runs answering the same asset.
 */
describe('9. a redelivery while the first worker still runs', () => {
  for (const broker of SIZES.redeliveryBrokers) {
    it(`${broker}: ${SIZES.redeliveredEvents} messages whose first run outlasts the ack wait: one effect each`, async (context) => {
      const runs = new Map<string, Run[]>();
      const slowFirstRun = (worker: string): Processor => ({
        name: 'chaos-slow-first',
        validate: () => true,
        async process(ctx) {
          const mine = runs.get(ctx.params.eventId) ?? [];
          runs.set(ctx.params.eventId, mine);
          const run: Run = { worker, startedAt: Date.now() };
          mine.push(run);
          if (mine.length === 1) await sleep(FIRST_RUN_MS);
          run.endedAt = Date.now();
        },
      });
      const template: StrategyTemplate = {
        id: 'chaos-slow',
        version: '1.0',
        lock: false,
        channels: ['slow_banner'],
        chainFor: (channel) => (channel === 'slow_banner' ? ['query-asset', 'chaos-slow-first', 'send-benefit'] : []),
        createExtensions: () => ({}),
      };
      const deployment = await Deployment.create(`redeliver_${broker}`, {
        broker,
        config: (config) => {
          // The sample activity (and its pool) on the slow play only; its template is written in TypeScript here.
          const [activity] = config.activities;
          if (!activity) return;
          activity.template = 'chaos-slow@1.0';
          activity.channels = ['slow_banner'];
        },
      });
      const apps: App[] = [];
      const brokers: BrokerAdapter[] = [];
      const subscriptions: Subscription[] = [];
      try {
        for (const worker of ['w1', 'w2']) {
          const app = await createApp({
            configPath: deployment.configPath,
            env: deployment.appEnv(),
            templates: [template],
            processors: () => [slowFirstRun(worker)],
          });
          apps.push(app);
          // The product's consumer on a broker whose ack wait is short, as a worker would run it.
          const adapter = await createBroker(BROKER_URLS[broker], {
            name: deployment.name,
            consumerName: `${deployment.name}-${worker}`,
            ackWaitMs: ACK_WAIT_MS,
            retryDelayMs: () => 50,
          });
          brokers.push(adapter);
          const handler = behaviorConsumer({
            events: app.channelEvents,
            deadLetters: app.deadLetters,
            maxAttempts: 5,
            source: adapter.kind,
          });
          // Room for every first run and every redelivery at once: a redelivery must not wait for a free slot.
          subscriptions.push(await adapter.subscribe(handler, { concurrency: 2 * SIZES.redeliveredEvents }));
        }
        const publisher = await deployment.publisher({ ackWaitMs: ACK_WAIT_MS });
        const users = Array.from({ length: SIZES.redeliveredEvents }, (_, i) => `slow-${i}`);
        await Promise.all(users.map((userId) => publisher.publish({ channelCode: 'slow_banner', userId, eventId: `slow-${userId}` })));

        const finished = () => users.every((userId) => (runs.get(`slow-${userId}`) ?? []).filter((run) => run.endedAt).length >= 2);
        await waitUntil(
          async () => finished(),
          30_000,
          () => `runs: ${JSON.stringify(Object.fromEntries(runs))}`,
        ).catch(() => undefined);
        await sleep(ACK_WAIT_MS * 3); // any further redelivery would show now
        await Promise.all(subscriptions.splice(0).map((subscription) => subscription.close()));

        const assets = await deployment.assetsByUser();
        const totals = await deployment.ledgerTotals();
        const deadLetters = await deployment.deadLetters();
        const overlapped = users.filter((userId) => {
          const [first, second] = runs.get(`slow-${userId}`) ?? [];
          return first && second && second.startedAt < (first.endedAt ?? Number.POSITIVE_INFINITY);
        });
        const wrong = users.filter((userId) => {
          const held = assets.get(userId) ?? [];
          return held.length !== 1 || held[0]?.eventId !== `slow-${userId}`;
        });
        const deliveries = [...runs.values()].reduce((sum, list) => sum + list.length, 0);
        recordScenario(context, {
          scenario: '9',
          title: `redelivery while the first run runs (${broker})`,
          events: users.length,
          assetsIssued: totals.assets,
          duplicates: totals.extraPerUser + (totals.assets - totals.keys),
          oversell: Math.max(0, totals.assets - totals.total) + Math.abs(totals.total - totals.remaining - totals.assets),
          lost: wrong.length - Math.max(0, totals.extraPerUser),
          deadLettered: deadLetters.length,
          faults: `first run ${FIRST_RUN_MS} ms > ack wait ${ACK_WAIT_MS} ms; ${deliveries} runs for ${users.length} messages`,
        });

        expect(overlapped).toEqual(users);
        expect(wrong).toEqual([]);
        expect(totals).toMatchObject({ assets: users.length, keys: users.length, extraPerUser: 0 });
        expect(totals.total - totals.remaining).toBe(users.length);
        expect(deadLetters).toEqual([]);
      } finally {
        await Promise.all(subscriptions.map((subscription) => subscription.close()));
        for (const adapter of brokers) await adapter.close();
        for (const app of apps) await app.close();
        await deployment.cleanup();
      }
    });
  }
});
