import { afterEach, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app/create-app.js';
import type { BehaviorMessage } from '../../src/domain/ports/broker.js';
import type { Processor } from '../../src/domain/processor.js';
import { TcpProxy } from '../infra/broker/tcp-proxy.js';
import { BROKERS, BrokerE2e, sleep, viewedItems, waitFor } from '../support/broker-e2e.js';

/**
 * A play that issues straight from a behavior event, without a lock, so that two deliveries of one
 * message run side by side and only the rights ledger's idempotency key stands between them and a
 * second coupon. `perUser` is far above one so that the per-user bound cannot hide a double issue.
 */
const GIFT = { activity: 'act-gift', channel: 'gift_ready', pool: 'gift-pool', stock: 5_000 };
const USERS = 100;
const SLOW_USERS = 3;
const SLOW_MS = 1_500;
/** Far below SLOW_MS: Redis Streams and JetStream hand a slow delivery to another consumer mid-chain. */
const ACK_WAIT_MS = 400;

interface Run {
  readonly eventId: string;
  readonly worker: string;
  readonly startedAt: number;
  endedAt?: number;
}

/** Sleeps in the chain for the slow users, and records every run it sees. */
function slowDown(worker: string, runs: Run[]): Processor {
  return {
    name: 'slow-down',
    validate: () => true,
    async process(ctx) {
      const run: Run = { eventId: ctx.params.eventId, worker, startedAt: Date.now() };
      runs.push(run);
      if (ctx.userId.startsWith('slow-')) await sleep(SLOW_MS);
      run.endedAt = Date.now();
    },
  };
}

let current: BrokerE2e | undefined;
const apps: App[] = [];
const proxies: TcpProxy[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  for (const proxy of proxies.splice(0)) await proxy.cut();
  await current?.close();
  current = undefined;
});

describe.each(BROKERS)('redelivery on $kind', (broker) => {
  it('every message delivered twice, slow chains redelivered while they run: one prepared record and one coupon per user, as if once', async () => {
    const e2e = await BrokerE2e.open(broker, 'twice', {
      ackWaitMs: ACK_WAIT_MS,
      editConfig: (config) => {
        config.templates.push({
          id: 'gift',
          version: '1.0',
          lock: false,
          chains: {
            [GIFT.channel]: ['query-activity', 'prepare-item-promotion', 'slow-down', 'store-prepared', 'query-asset', 'send-benefit'],
          },
        });
        config.activities.push({
          id: GIFT.activity,
          name: 'A coupon as soon as the behavior fires',
          template: 'gift@1.0',
          channels: [GIFT.channel],
          window: { start: '2026-01-01T00:00:00Z', end: '2030-01-01T00:00:00Z' },
          benefit: { pool: GIFT.pool, stock: GIFT.stock, perUser: 100, validFor: '7d' },
          params: { discountPercent: 15 },
        });
      },
    });
    current = e2e;
    const runs: Run[] = [];
    let proxy: TcpProxy | undefined;
    const env = e2e.env();
    if (broker.kind === 'rabbitmq') {
      proxy = new TcpProxy(new URL(broker.url));
      proxies.push(proxy);
      await proxy.start();
      const viaProxy = new URL(broker.url);
      viaProxy.port = String(proxy.port);
      env.BROKER_URL = viaProxy.toString();
    }
    // Two workers in this process (the slow processor exists only here), on the same broker and stores.
    for (const worker of ['A', 'B']) {
      const app = await createApp({ configPath: e2e.configPath, env, processors: () => [slowDown(worker, runs)] });
      apps.push(app);
      await app.startConsuming({ concurrency: 8 });
    }

    const users = [
      ...Array.from({ length: SLOW_USERS }, (_, index) => `slow-${index}`),
      ...Array.from({ length: USERS - SLOW_USERS }, (_, index) => `fast-${index}`),
    ];
    const messages: BehaviorMessage[] = users.map((userId, index) => ({
      channelCode: GIFT.channel,
      userId,
      eventId: `${userId}-gift`,
      payload: { itemIds: viewedItems(index) },
    }));
    // Twice each: `publish` and a raw copy without a message id, so that even JetStream's
    // de-duplication by event id keeps both and the consumer sees the same event twice.
    await Promise.all(messages.flatMap((message) => [e2e.publisher.publish(message), e2e.publisher.publishRaw(JSON.stringify(message))]));

    if (proxy) {
      // RabbitMQ has no ack wait: a delivery comes back when its channel dies. Cut the workers'
      // connections while slow chains run; their messages are requeued and run again meanwhile.
      await waitFor(
        () => runs.filter((run) => run.eventId.startsWith('slow-') && run.endedAt === undefined).length >= 2,
        10_000,
        () => 'no slow chain started',
      );
      await proxy.cut();
      await sleep(200);
      await proxy.start();
    }

    const eventIds = messages.map((message) => message.eventId);
    await waitFor(
      async () => {
        const traces = await e2e.traces(eventIds);
        return eventIds.every((eventId) => (traces.get(eventId) ?? []).length >= 2);
      },
      30_000,
      async () => {
        const traces = await e2e.traces(eventIds);
        return `events run fewer than twice: ${eventIds.filter((eventId) => (traces.get(eventId) ?? []).length < 2).join(', ')}`;
      },
    );
    // Let every redelivered run still in flight finish before looking at the end state.
    await waitFor(
      () => runs.every((run) => run.endedAt !== undefined),
      10_000,
      () => 'runs still in flight',
    );
    await sleep(ACK_WAIT_MS * 3);
    await waitFor(
      () => runs.every((run) => run.endedAt !== undefined),
      10_000,
      () => 'runs still in flight',
    );

    // Both copies of every event ran; beyond them, a slow event was delivered again (ack wait passed,
    // or its channel died) and that run started while an earlier one was still in the chain.
    const runsOf = (eventId: string) => runs.filter((run) => run.eventId === eventId).sort((a, b) => a.startedAt - b.startedAt);
    expect(eventIds.filter((eventId) => runsOf(eventId).length < 2)).toEqual([]);
    const redeliveredMidChain = eventIds.filter((eventId) => {
      const ofEvent = runsOf(eventId);
      return ofEvent.length > 2 && ofEvent.some((run, index) => index > 0 && run.startedAt < (ofEvent[index - 1]?.endedAt ?? 0));
    });
    expect(redeliveredMidChain.length).toBeGreaterThan(0);

    // The end state of one delivery each.
    const traces = await e2e.traces(eventIds);
    const statuses = new Set([...traces.values()].flat().map((trace) => `${trace.status}${trace.reason ? `: ${trace.reason}` : ''}`));
    expect([...statuses].filter((status) => !status.startsWith('issued'))).toEqual([]);
    const assets = await e2e.query(
      `SELECT user_id, count(*)::int AS n, min(event_id) AS event_id FROM $schema.assets WHERE activity_id = $1 GROUP BY user_id`,
      [GIFT.activity],
    );
    expect(assets.rows.sort(byUser)).toEqual(users.map((userId) => ({ user_id: userId, n: 1, event_id: `${userId}-gift` })).sort(byUser));
    const pool = await e2e.query(
      'SELECT p.total, (SELECT sum(s.remaining)::int FROM $schema.benefit_pool_slots s WHERE s.pool = p.id) AS remaining FROM $schema.benefit_pools p WHERE p.id = $1',
      [GIFT.pool],
    );
    expect(pool.rows[0]).toEqual({ total: GIFT.stock, remaining: GIFT.stock - USERS });
    const prepared = await e2e.prepared(users, GIFT.activity);
    expect(users.filter((userId) => prepared.get(userId)?.eventId !== `${userId}-gift`)).toEqual([]);
    expect(await e2e.deadLetters()).toEqual([]);
    console.info(
      `[${broker.kind}] ${messages.length * 2} deliveries published, ${runs.length} chain runs, ${redeliveredMidChain.length} redelivered mid-chain`,
    );
  }, 240_000);
});

function byUser(a: { user_id: string }, b: { user_id: string }): number {
  return a.user_id < b.user_id ? -1 : a.user_id > b.user_id ? 1 : 0;
}
