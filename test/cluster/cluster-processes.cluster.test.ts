import { afterEach, describe, expect, it } from 'vitest';
import type { RedisClient } from '../../src/infra/redis/redis-connection.js';
import { ACTIVITY, BrokerE2e, type BrokerUnderTest, http, type RunningServe, sleep, waitFor } from '../support/broker-e2e.js';
import { killedWorkerScenario } from '../support/killed-worker-scenario.js';
import { inParallel } from '../support/spawn-server.js';
import { CLUSTER_NODE_URL, CLUSTER_NODES, CLUSTER_UP, keysPerMaster } from './cluster-support.js';

/**
 * `serve` and `worker` processes with REDIS_CLUSTER_NODES and a BROKER_URL naming one node of the
 * cluster: state and the Redis Streams broker on the local 3-master cluster, the ledger in PostgreSQL.
 */
const CLUSTER: BrokerUnderTest = { kind: 'redis', url: CLUSTER_NODE_URL, redisCluster: CLUSTER_NODES };

let current: BrokerE2e | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

async function open(purpose: string, stock: number): Promise<BrokerE2e> {
  current = await BrokerE2e.open(CLUSTER, purpose, {
    ackWaitMs: 8_000,
    editConfig: (config) => {
      const [activity] = config.activities;
      if (activity) activity.benefit.stock = stock;
    },
  });
  return current;
}

/** Three item views of `user` through `api`, so that the rule fires and a worker prepares the offer. */
async function browse(apiUrls: () => readonly string[], user: string, index: number): Promise<void> {
  for (let view = 0; view < 3; view += 1) {
    const response = await tryEach(apiUrls, (url) =>
      http('POST', `${url}/v1/behaviors`, { userId: user, type: 'item_view', itemId: `sku-00${view + 1}`, eventId: `${user}-v${view}` }),
    );
    expect(response.status, `behavior ${index}/${view}`).toBe(202);
  }
}

/** Outcomes `failed` that a retry of the same click then settled, with their reasons (reported). */
const settledByRetry: string[] = [];

/**
 * A click; on a process that is gone (connection refused or reset), the same click on another. A
 * `failed` outcome (e.g. the instance lock of a killed process's chain not yet expired) is what a
 * client retries: the same event id again, until it settles.
 */
async function click(apiUrls: () => readonly string[], user: string, eventId: string): Promise<{ status: string; assetId?: string }> {
  for (let attempt = 1; ; attempt += 1) {
    const response = await tryEach(apiUrls, (url) => http('POST', `${url}/v1/channels/home_banner/events`, { userId: user, eventId }));
    expect(response.status).toBe(200);
    const outcome = response.body.outcomes[0];
    if (outcome.status !== 'failed' || attempt === 5)
      return { status: outcome.status, ...(outcome.asset ? { assetId: outcome.asset.id } : {}) };
    settledByRetry.push(`${eventId}: ${outcome.reason}`);
    await sleep(1_000);
  }
}

async function tryEach<T>(apiUrls: () => readonly string[], call: (url: string) => Promise<T>): Promise<T> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 6; attempt += 1) {
    const urls = apiUrls();
    const url = urls[Math.floor(Math.random() * urls.length)] as string;
    try {
      return await call(url);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function waitPrepared(e2e: BrokerE2e, users: readonly string[]): Promise<void> {
  let missing: string[] = [...users];
  await waitFor(
    async () => {
      const prepared = await e2e.prepared(missing);
      missing = missing.filter((user) => prepared.get(user) === undefined);
      return missing.length === 0;
    },
    90_000,
    () => `${missing.length} users not prepared, e.g. ${missing.slice(0, 3).join(', ')}`,
  );
}

/** The ledger's own account: assets by user, and the pool's total and remaining stock. */
async function ledger(e2e: BrokerE2e): Promise<{ assets: Map<string, string[]>; total: number; remaining: number }> {
  const rows = (await e2e.query('SELECT id, user_id FROM $schema.assets')).rows as { id: string; user_id: string }[];
  const assets = new Map<string, string[]>();
  for (const row of rows) assets.set(row.user_id, [...(assets.get(row.user_id) ?? []), row.id]);
  const pool = (
    await e2e.query(
      `SELECT p.total, (SELECT sum(s.remaining)::int FROM $schema.benefit_pool_slots s WHERE s.pool = p.id) AS remaining
         FROM $schema.benefit_pools p WHERE p.id = 'coupon-10off'`,
    )
  ).rows[0] as { total: number; remaining: number };
  return { assets, total: pool.total, remaining: pool.remaining };
}

async function expectKeysOnAllMasters(redis: RedisClient, namespace: string): Promise<void> {
  const perMaster = await keysPerMaster(redis, `${namespace}:`);
  expect(perMaster).toHaveLength(3);
  for (const count of perMaster) expect(count).toBeGreaterThan(0);
}

describe.skipIf(!CLUSTER_UP)('processes on a Redis Cluster', () => {
  it('the sample play end to end: three views prepare an offer, the click issues it, the retry returns it', async () => {
    const e2e = await open('cluster_play', 100);
    const api = await e2e.serve([]);
    const urls = () => [api.url];
    await browse(urls, 'alice', 0);
    await waitPrepared(e2e, ['alice']);
    const state = await http('GET', `${api.url}/v1/activities/${ACTIVITY}/users/alice`);
    const offer = state.body.prepared.data.offer;
    expect([...offer.viewedItemIds].sort()).toEqual(['sku-001', 'sku-002', 'sku-003']);
    expect(offer.viewedItemIds).toContain(offer.item.id);

    const first = await click(urls, 'alice', 'alice-click-1');
    expect(first.status).toBe('issued');
    expect(await click(urls, 'alice', 'alice-click-1')).toEqual(first);
    expect((await click(urls, 'alice', 'alice-click-2')).status).toBe('existing');
    const trace = await http('GET', `${api.url}/v1/events/alice-click-1/trace`);
    expect(trace.body.chains[0].steps.map((step: { processor: string }) => step.processor)).toEqual([
      'check-event',
      'rule-check',
      'query-asset',
      'send-benefit',
      'build-result',
    ]);
    expect(await api.stop()).toBe(0);
  }, 120_000);

  it('1,000 clicks over two processes for 300 prepared users with stock 100: exactly 100 assets, one per user at most; keys on all three masters', async () => {
    const stock = 100;
    const e2e = await open('cluster_storm', stock);
    const apis = await Promise.all([e2e.serve([]), e2e.serve([])]);
    const users = Array.from({ length: 300 }, (_, i) => `storm-${i}`);
    await inParallel(users.length, 32, (i) => browse(() => [apis[i % 2]?.url as string], users[i] as string, i));
    await waitPrepared(e2e, users);

    const clicks = await inParallel(1_000, 200, (i) =>
      click(() => [apis[i % 2]?.url as string], users[i % users.length] as string, `click-${i}`),
    );
    expect(clicks.filter((c) => c.status === 'failed')).toEqual([]);
    const issued = new Set(clicks.flatMap((c) => (c.status === 'issued' && c.assetId ? [c.assetId] : [])));
    expect(issued.size).toBe(stock);
    const { assets, total, remaining } = await ledger(e2e);
    expect([...assets.values()].flat().sort()).toEqual([...issued].sort());
    expect([...assets.values()].every((ids) => ids.length === 1)).toBe(true);
    expect({ total, remaining }).toEqual({ total: stock, remaining: 0 });
    await expectKeysOnAllMasters(e2e.redis, e2e.namespace);
    expect(await Promise.all(apis.map((api) => api.stop()))).toEqual([0, 0]);
  }, 180_000);

  it('a worker SIGKILLed mid-stream: every event prepared, nothing lost, no effect twice', async () => {
    await killedWorkerScenario(CLUSTER, (e2e) => {
      current = e2e;
    });
  }, 240_000);

  it('three API processes and three workers under load, one of each SIGKILLed: the invariants hold', async () => {
    const stock = 150;
    const e2e = await open('cluster_topology', stock);
    const apis: RunningServe[] = await Promise.all([e2e.serve(), e2e.serve(), e2e.serve()]);
    const workers = await Promise.all([e2e.worker(), e2e.worker(), e2e.worker()]);
    const live = () => apis.filter((api) => api.alive()).map((api) => api.url);
    const users = Array.from({ length: 400 }, (_, i) => `topo-${i}`);

    // Load: every user browses (behaviors through the APIs, chains on the workers) while earlier
    // users already click; a third of the way in, one API and one worker are SIGKILLed.
    let browsed = 0;
    const kill = (async () => {
      await waitFor(
        () => browsed >= users.length / 3,
        60_000,
        () => `${browsed} users browsed`,
      );
      await Promise.all([apis[0]?.stop('SIGKILL'), workers[0]?.stop('SIGKILL')]);
    })();
    const clicks: { status: string; assetId?: string }[] = [];
    await inParallel(users.length, 24, async (i) => {
      await browse(live, users[i] as string, i);
      browsed += 1;
      if (i >= 20) clicks.push(await click(live, users[i - 20] as string, `early-${i - 20}`));
    });
    await kill;
    await waitPrepared(e2e, users);
    // Then every user clicks (twice, the second a retry of the first) through the surviving APIs.
    const late = await inParallel(users.length * 2, 100, (i) =>
      click(live, users[Math.floor(i / 2)] as string, `late-${Math.floor(i / 2)}`),
    );
    clicks.push(...late);

    expect(clicks.filter((c) => c.status === 'failed')).toEqual([]);
    const issued = new Set(clicks.flatMap((c) => (c.status === 'issued' && c.assetId ? [c.assetId] : [])));
    const { assets, total, remaining } = await ledger(e2e);
    // No oversell and no duplicate: every unit taken is one asset, at most one per user, and
    // every asset a click was told about is in the ledger; 400 users drain the 150 units.
    const allAssets = [...assets.values()].flat();
    expect(allAssets).toHaveLength(stock);
    expect({ total, remaining }).toEqual({ total: stock, remaining: 0 });
    expect([...assets.values()].every((ids) => ids.length === 1)).toBe(true);
    for (const id of issued) expect(allAssets).toContain(id);
    // Nothing lost on the broker, nothing dead-lettered.
    expect(await e2e.deadLetters()).toEqual([]);
    await expect.poll(() => e2e.brokerBacklog(), { timeout: 30_000, interval: 250 }).toBe(0);
    await expectKeysOnAllMasters(e2e.redis, e2e.namespace);
    console.info(
      `[cluster topology] ${clicks.length} clicks, ${issued.size} issued; failed then settled by a retry: ${settledByRetry.join('; ') || 'none'}`,
    );
    const survivors = [apis[1], apis[2], workers[1], workers[2]];
    expect(await Promise.all(survivors.map((child) => child?.stop()))).toEqual([0, 0, 0, 0]);
  }, 240_000);
});
