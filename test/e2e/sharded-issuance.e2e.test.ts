import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema } from '../infra/postgres/postgres-test-schema.js';
import { deleteKeys } from '../infra/redis/redis-test-support.js';
import { activityDeclaration, httpJson } from '../support/config-edit.js';
import { sampleConfigFile } from '../support/sample-app.js';
import { DATABASE_URL, REDIS_URL, uniqueName } from '../support/services.js';
import { type ChildServer, inParallel, spawnServer } from '../support/spawn-server.js';

// `npm run build` first: these run `node dist/cli.js serve`, as production does.
// A burst on one sharded pool over three processes sharing Redis and PostgreSQL. The sold-out
// mark's TTL is long here so that only reopening (never expiry) can let clicks through again.
const namespace = uniqueName('shard_e2e');
const env = { REDIS_URL, DATABASE_URL, NAMESPACE: namespace, DATABASE_SCHEMA: namespace, MIGRATE: 'true', SOLD_OUT_TTL_MS: '600000' };
const CHANNEL = 'burst_banner';
let servers: ChildServer[] = [];
let sql: pg.Client;

/** An activity issuing on `CHANNEL` with no preparation: every click of a new user is a first issuance. */
function burstActivity(id: string, stock: number, stockShards: number) {
  return activityDeclaration(id, {
    template: 'burst@1.0',
    channels: [CHANNEL],
    benefit: { pool: `pool-${id}`, stock, stockShards, perUser: 1, validFor: '7d' },
  });
}

interface Click {
  readonly status: string;
  readonly reason?: string;
  readonly sentAt: number;
  readonly answeredAt: number;
}

async function click(activityId: string, userId: string, i: number): Promise<Click> {
  const server = servers[i % servers.length] as ChildServer;
  const sentAt = performance.now();
  const response = await httpJson(server.url, 'POST', `/v1/channels/${CHANNEL}/events`, { userId, eventId: `${userId}-click` });
  const answeredAt = performance.now();
  expect(response.status).toBe(200);
  const outcome = response.body.outcomes.find((o: { activityId: string }) => o.activityId === activityId);
  return { status: outcome.status, reason: outcome.reason, sentAt, answeredAt };
}

/** Clicks of `count` new users, `concurrency` at a time, spread over the three processes. */
function storm(activityId: string, prefix: string, count: number, concurrency: number): Promise<Click[]> {
  return inParallel(count, concurrency, (i) => click(activityId, `${prefix}-${i}`, i));
}

/** The pool as its tables say, never through the port under test. */
async function ledgerState(pool: string) {
  const { rows } = await sql.query(
    `SELECT p.total, p.shards,
       (SELECT coalesce(sum(remaining), 0)::int FROM ${namespace}.benefit_pool_slots WHERE pool = p.id) AS remaining,
       (SELECT count(*)::int FROM ${namespace}.benefit_pool_slots WHERE pool = p.id) AS slots,
       (SELECT count(*)::int FROM ${namespace}.assets WHERE pool = p.id) AS assets,
       (SELECT count(DISTINCT user_id)::int FROM ${namespace}.assets WHERE pool = p.id) AS users
     FROM ${namespace}.benefit_pools p WHERE p.id = $1`,
    [pool],
  );
  return rows[0] as { total: number; shards: number; remaining: number; slots: number; assets: number; users: number };
}

/** Publishes the activity through one process and waits until all three serve it. */
async function publish(through: number, activity: ReturnType<typeof burstActivity>): Promise<void> {
  expect((await httpJson(servers[through]?.url as string, 'PUT', `/v1/activities/${activity.id}`, activity)).status).toBe(200);
  for (const server of servers) {
    await expect
      .poll(
        async () => {
          const listed = (await httpJson(server.url, 'GET', '/v1/activities')).body;
          const found = (Array.isArray(listed) ? listed : listed.activities).find((a: { id: string }) => a.id === activity.id);
          return found?.benefit?.stock;
        },
        { timeout: 10_000 },
      )
      .toBe(activity.benefit.stock);
  }
}

/** Waits until the pool's sold-out mark is in Redis, where every process reads it. */
async function untilMarkedSoldOut(pool: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    await expect.poll(() => redis.exists(`${namespace}:sold-out:{${pool}}`), { timeout: 5_000 }).toBe(1);
  } finally {
    await redis.quit();
  }
}

const count = (clicks: readonly Click[], status: string) => clicks.filter((c) => c.status === status).length;

beforeAll(async () => {
  const configPath = sampleConfigFile((config) => {
    config.templates.push({ id: 'burst', version: '1.0', lock: true, chains: { [CHANNEL]: ['query-asset', 'send-benefit'] } });
  });
  servers = [await spawnServer(configPath, env)];
  servers.push(...(await Promise.all([spawnServer(configPath, env), spawnServer(configPath, env)])));
  sql = new pg.Client({ connectionString: DATABASE_URL });
  await sql.connect();
});

afterAll(async () => {
  const codes = await Promise.all(servers.map((server) => server.stop()));
  expect(codes).toEqual(servers.map(() => 0));
  await sql?.end();
  const redis = new Redis(REDIS_URL);
  await deleteKeys(redis, `${namespace}:`);
  await redis.quit();
  await dropSchema(namespace);
});

describe('sharded stock under a burst, over three serve processes', () => {
  it('the last 50 units of a 16-slot pool under 1,000 concurrent clicks: exactly 50 assets, no out_of_stock while stock remained', async () => {
    await publish(0, burstActivity('act-last', 1_000, 16));
    // 950 units go first, unevenly over the slots, so the last 50 are scattered and most clicks
    // start at an empty slot and must fall through.
    const early = await storm('act-last', 'early', 950, 64);
    expect(count(early, 'issued')).toBe(950);
    expect(await ledgerState('pool-act-last')).toMatchObject({ total: 1_000, shards: 16, slots: 16, remaining: 50, assets: 950 });

    const last = await storm('act-last', 'last', 1_000, 1_000);
    expect(count(last, 'issued')).toBe(50);
    const refused = last.filter((c) => c.status !== 'issued');
    expect(refused).toHaveLength(950);
    expect(refused.every((c) => c.status === 'rejected' && /^out of stock/.test(c.reason ?? ''))).toBe(true);
    // An out_of_stock answered before an issuing click was even sent would mean stock remained.
    const lastIssueSent = Math.max(...last.filter((c) => c.status === 'issued').map((c) => c.sentAt));
    expect(refused.filter((c) => c.answeredAt < lastIssueSent)).toEqual([]);
    expect(await ledgerState('pool-act-last')).toEqual({ total: 1_000, shards: 16, slots: 16, remaining: 0, assets: 1_000, users: 1_000 });
  });

  it('resizing and re-sharding during a storm keeps what was taken: taken = assets, and the reopened pool drains exactly', async () => {
    await publish(0, burstActivity('act-resize', 100, 8));
    let answered = 0;
    const resizes: Promise<unknown>[] = [];
    const clicks = await inParallel(1_500, 150, async (i) => {
      const result = await click('act-resize', `resize-${i}`, i);
      answered += 1;
      // Mid-storm, from another process each time: grow and re-shard, then grow again.
      if (answered === 300)
        resizes.push(httpJson(servers[1]?.url as string, 'PUT', '/v1/activities/act-resize', burstActivity('act-resize', 400, 4)));
      if (answered === 900)
        resizes.push(httpJson(servers[2]?.url as string, 'PUT', '/v1/activities/act-resize', burstActivity('act-resize', 600, 12)));
      return result;
    });
    expect((await Promise.all(resizes)).map((r) => (r as { status: number }).status)).toEqual([200, 200]);
    const after = await ledgerState('pool-act-resize');
    expect(after).toMatchObject({ total: 600, shards: 12, slots: 12 });
    expect(after.assets).toBe(count(clicks, 'issued'));
    expect(after.users).toBe(after.assets);
    expect(after.total - after.remaining).toBe(after.assets);
    expect(clicks.every((c) => c.status === 'issued' || (c.status === 'rejected' && /^out of stock/.test(c.reason ?? '')))).toBe(true);

    // Whatever is left is issued to new users: no stale sold-out mark keeps the grown pool closed.
    const drain = await storm('act-resize', 'drain', after.remaining + 50, 50);
    expect(count(drain, 'issued')).toBe(after.remaining);
    expect(await ledgerState('pool-act-resize')).toMatchObject({ total: 600, remaining: 0, assets: 600, users: 600 });
  });

  it('a storm on a sold-out pool costs PostgreSQL nothing, and the pool reopens when stock is added', async () => {
    await publish(0, burstActivity('act-empty', 5, 2));
    const first = await storm('act-empty', 'empty-first', 10, 1);
    expect(count(first, 'issued')).toBe(5);
    // The ledger answered out_of_stock; the mark is written just after that answer.
    await untilMarkedSoldOut('pool-act-empty');

    // The probe: with the schema renamed away, any query of these processes fails, so a click
    // that reached PostgreSQL would be answered `failed`. Every click is answered out of stock.
    await sql.query(`ALTER SCHEMA ${namespace} RENAME TO ${namespace}_away`);
    let stormClicks: Click[];
    try {
      stormClicks = await storm('act-empty', 'empty-storm', 1_000, 200);
    } finally {
      await sql.query(`ALTER SCHEMA ${namespace}_away RENAME TO ${namespace}`);
    }
    expect(stormClicks.filter((c) => !(c.status === 'rejected' && /^out of stock/.test(c.reason ?? '')))).toEqual([]);
    expect(await ledgerState('pool-act-empty')).toMatchObject({ total: 5, remaining: 0, assets: 5 });

    // Holders pass the mark: a retried click gets its own asset back, on every process.
    for (let i = 0; i < servers.length; i += 1) {
      expect(await click('act-empty', 'empty-first-0', i)).toMatchObject({ status: 'issued' });
      expect(await click('act-empty', 'empty-first-1', i)).toMatchObject({ status: 'issued' });
    }

    // Stock added through the admin API of one process: the mark is gone for all three.
    await publish(2, burstActivity('act-empty', 8, 2));
    const reopened = await storm('act-empty', 'empty-reopened', 6, 3);
    expect(count(reopened, 'issued')).toBe(3);
    expect(await ledgerState('pool-act-empty')).toMatchObject({ total: 8, remaining: 0, assets: 8 });
  });
});
