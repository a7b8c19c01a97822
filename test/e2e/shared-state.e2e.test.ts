import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleConfigFile } from '../support/sample-app.js';
import { DATABASE_URL, REDIS_URL, uniqueName } from '../support/services.js';
import { type ChildServer, inParallel, spawnServer } from '../support/spawn-server.js';

const namespace = uniqueName('e2e');
const env = { REDIS_URL, DATABASE_URL, NAMESPACE: namespace, DATABASE_SCHEMA: namespace, MIGRATE: 'true' };
const USERS = 500;
const STOCK = 200;
let servers: ChildServer[] = [];
/** A click that was issued an asset, for the retry test. */
let issuedClick: { index: number; assetId: string } | undefined;

async function post(url: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return { status: response.status, body: await response.json() };
}

beforeAll(async () => {
  const configPath = sampleConfigFile((config) => {
    const [activity] = config.activities;
    if (activity) activity.benefit.stock = STOCK;
  });
  // The first process migrates alone, then two more start against the migrated schema.
  servers = [await spawnServer(configPath, env)];
  servers.push(...(await Promise.all([spawnServer(configPath, env), spawnServer(configPath, env)])));
});

afterAll(async () => {
  const codes = await Promise.all(servers.map((server) => server.stop()));
  expect(codes).toEqual(servers.map(() => 0));
  const redis = new Redis(REDIS_URL);
  for (let cursor = '0'; ; ) {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = next;
    if (cursor === '0') break;
  }
  await redis.quit();
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${namespace} CASCADE`);
  await client.end();
});

describe('three serve processes sharing Redis and PostgreSQL', () => {
  it(`5,000 parallel clicks for ${USERS} prepared users with stock ${STOCK}: exactly ${STOCK} assets`, async () => {
    const users = Array.from({ length: USERS }, (_, i) => `shared-${i}`);
    // Behaviors land on different processes; prepared data is shared through Redis.
    await inParallel(users.length * 3, 64, async (i) => {
      const user = users[Math.floor(i / 3)] as string;
      const server = servers[i % servers.length] as ChildServer;
      const response = await post(`${server.url}/v1/behaviors`, {
        userId: user,
        type: 'item_view',
        itemId: `sku-00${(i % 3) + 1}`,
        eventId: `${user}-v${i % 3}`,
      });
      expect(response.status).toBe(202);
    });
    await expect
      .poll(
        async () => {
          const states = await Promise.all(
            users
              .slice(-20)
              .map((user) => fetch(`${servers[0]?.url}/v1/activities/act-1001/users/${user}`).then((r) => r.json() as Promise<any>)),
          );
          return states.every((state) => state.prepared !== null);
        },
        { timeout: 20_000 },
      )
      .toBe(true);

    const clicks = await inParallel(5000, 500, (i) =>
      post(`${(servers[i % servers.length] as ChildServer).url}/v1/channels/home_banner/events`, {
        userId: users[i % USERS],
        eventId: `click-${i}`,
      }),
    );
    expect(clicks.filter((c) => c.status !== 200)).toEqual([]);
    expect(clicks.every((c) => c.body.outcomes.length === 1)).toBe(true);
    const statuses = new Map<string, number>();
    for (const click of clicks) statuses.set(click.body.outcomes[0].status, (statuses.get(click.body.outcomes[0].status) ?? 0) + 1);
    expect(statuses.get('failed') ?? 0).toBe(0);

    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    const assets = await client.query(`SELECT user_id, count(*)::int AS n FROM ${namespace}.assets GROUP BY user_id`);
    const pool =
      await client.query(`SELECT p.total, (SELECT sum(s.remaining)::int FROM ${namespace}.benefit_pool_slots s WHERE s.pool = p.id) AS remaining
       FROM ${namespace}.benefit_pools p WHERE p.id = 'coupon-10off'`);
    await client.end();
    expect(assets.rows.reduce((sum, row) => sum + row.n, 0)).toBe(STOCK);
    expect(assets.rows.every((row) => row.n <= 1)).toBe(true);
    expect(pool.rows[0]).toEqual({ total: STOCK, remaining: 0 });
    const issuedIds = new Set(clicks.flatMap((c) => (c.body.outcomes[0].status === 'issued' ? [c.body.outcomes[0].asset.id] : [])));
    expect(issuedIds.size).toBe(STOCK);
    const index = clicks.findIndex((c) => c.body.outcomes[0].status === 'issued');
    issuedClick = { index, assetId: clicks[index]?.body.outcomes[0].asset.id };
  }, 180_000);

  it('the same click retried on every process gives the same asset, answered as issued', async () => {
    expect(issuedClick).toBeDefined();
    const { index, assetId } = issuedClick as { index: number; assetId: string };
    for (const server of servers) {
      const again = await post(`${server.url}/v1/channels/home_banner/events`, {
        userId: `shared-${index % USERS}`,
        eventId: `click-${index}`,
      });
      expect(again.body.outcomes[0]).toMatchObject({ status: 'issued', asset: { id: assetId } });
    }
  });
});
