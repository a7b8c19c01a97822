import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { periodBounds } from '../../src/domain/calendar-period.js';
import { dropSchema } from '../infra/postgres/postgres-test-schema.js';
import { deleteKeys } from '../infra/redis/redis-test-support.js';
import { activityDeclaration, httpJson } from '../support/config-edit.js';
import { sampleConfigFile } from '../support/sample-app.js';
import { DATABASE_URL, REDIS_URL, uniqueName } from '../support/services.js';
import { type ChildServer, inParallel, spawnServer } from '../support/spawn-server.js';

// `npm run build` first: these run `node dist/cli.js serve`, as production does.
// Two serve processes share Redis (click windows) and PostgreSQL (the ledger).
const namespace = uniqueName('caps_e2e');
const env = { REDIS_URL, DATABASE_URL, NAMESPACE: namespace, DATABASE_SCHEMA: namespace, MIGRATE: 'true' };
const CHANNEL = 'capped_banner';
let servers: ChildServer[] = [];
let sql: pg.Client;

const server = (i: number) => servers[i % servers.length] as ChildServer;

async function click(activityId: string, userId: string, i: number, query = '') {
  const response = await httpJson(server(i).url, 'POST', `/v1/channels/${CHANNEL}/events${query}`, { userId, eventId: `${userId}-${i}` });
  expect(response.status).toBe(200);
  return response.body.outcomes.find((o: { activityId: string }) => o.activityId === activityId) as {
    status: string;
    reason?: string;
    asset?: { id: string };
  };
}

async function publish(activity: Record<string, any>): Promise<void> {
  expect((await httpJson(server(0).url, 'PUT', `/v1/activities/${activity.id}`, activity)).status).toBe(200);
  for (const each of servers) {
    await expect
      .poll(
        async () => (await httpJson(each.url, 'GET', '/v1/activities')).body.activities.some((a: { id: string }) => a.id === activity.id),
        {
          timeout: 10_000,
        },
      )
      .toBe(true);
  }
}

async function assetsOf(activityId: string, userId: string): Promise<number> {
  const { rows } = await sql.query(`SELECT count(*)::int AS n FROM ${namespace}.assets WHERE activity_id = $1 AND user_id = $2`, [
    activityId,
    userId,
  ]);
  return rows[0].n;
}

beforeAll(async () => {
  const configPath = sampleConfigFile((config) => {
    config.templates.push({ id: 'capped', version: '1.0', chains: { [CHANNEL]: ['query-asset', 'send-benefit'] } });
  });
  servers = await Promise.all([spawnServer(configPath, env), spawnServer(configPath, env)]);
  sql = new pg.Client({ connectionString: DATABASE_URL });
  await sql.connect();
});

afterAll(async () => {
  await Promise.all(servers.map((each) => each.stop()));
  await sql?.end();
  const redis = new Redis(REDIS_URL);
  await deleteKeys(redis, `${namespace}:`);
  await redis.quit();
  await dropSchema(namespace);
});

describe('frequency caps over two serve processes on one Redis and PostgreSQL', () => {
  it('500 parallel clicks of one user under 1 per day: exactly one asset; explain names the cap; a dry run next day allows again', async () => {
    // Each asset expires after 1 ms and the lifetime bound is high: only the daily cap stops a second issuance.
    await publish(
      activityDeclaration('act-daily', {
        template: 'capped@1.0',
        channels: [CHANNEL],
        benefit: {
          pool: 'pool-daily',
          stock: 1_000,
          perUser: 1_000,
          validFor: '1ms',
          perUserPer: { count: 1, period: 'day', timezone: 'Asia/Shanghai' },
        },
      }),
    );
    const outcomes = await inParallel(500, 100, (i) => click('act-daily', 'u-daily', i));
    expect(outcomes.filter((o) => o.status === 'issued')).toHaveLength(1);
    const others = outcomes.filter((o) => o.status !== 'issued');
    expect(others.every((o) => o.status === 'existing' || (o.status === 'rejected' && /benefit\.perUserPer/.test(o.reason ?? '')))).toBe(
      true,
    );
    expect(others.some((o) => o.status === 'rejected')).toBe(true);
    expect(await assetsOf('act-daily', 'u-daily')).toBe(1);

    const explained = await httpJson(server(1).url, 'GET', '/v1/activities/act-daily/users/u-daily/explain?limit=5');
    expect(explained.status).toBe(200);
    const refusedEvent = explained.body.events.find((e: { status: string }) => e.status === 'rejected');
    expect(refusedEvent).toMatchObject({ cap: 'benefit.perUserPer', decidedBy: { processor: 'send-benefit' } });

    // Dry runs: later today (in Shanghai) still refused; from the next Shanghai day on, allowed again.
    const today = periodBounds(Date.now(), 'day', 'Asia/Shanghai');
    const sameDay = await click('act-daily', 'u-daily', 900, `?dryRun=true&now=${new Date(Date.now() + 1_000).toISOString()}`);
    expect(sameDay).toMatchObject({ status: 'rejected' });
    expect(sameDay.reason).toMatch(/benefit\.perUserPer/);
    const nextDay = await click('act-daily', 'u-daily', 901, `?dryRun=true&now=${new Date(today.endMs).toISOString()}`);
    expect(nextDay).toMatchObject({ status: 'issued' });
    expect(await assetsOf('act-daily', 'u-daily')).toBe(1);
  });

  it('clicksPerUser: over the cap a click is rejected naming the cap, counted once across both processes', async () => {
    await publish(
      activityDeclaration('act-clicks', {
        template: 'capped@1.0',
        channels: [CHANNEL],
        benefit: { pool: 'pool-clicks', stock: 1_000, perUser: 1, validFor: '7d' },
        limits: { clicksPerUser: { count: 3, within: '1m' } },
      }),
    );
    const sequential = [];
    for (let i = 0; i < 5; i++) sequential.push(await click('act-clicks', 'u-clicky', i));
    expect(sequential.map((o) => o.status)).toEqual(['issued', 'existing', 'existing', 'rejected', 'rejected']);
    expect(sequential[3]?.reason).toMatch(/^click cap limits\.clicksPerUser reached: it allows 3 clicks of one user within 1m/);
    // A retried click (same event id) is not a new click.
    expect((await click('act-clicks', 'u-clicky', 1)).status).toBe('existing');

    const burst = await inParallel(60, 60, (i) => click('act-clicks', 'u-burst', i));
    expect(burst.filter((o) => o.status !== 'rejected')).toHaveLength(3);
    expect(burst.filter((o) => o.status === 'rejected').every((o) => /limits\.clicksPerUser/.test(o.reason ?? ''))).toBe(true);

    const explained = await httpJson(server(0).url, 'GET', '/v1/activities/act-clicks/users/u-clicky/explain?limit=10');
    const refusedEvent = explained.body.events.find((e: { status: string }) => e.status === 'rejected');
    expect(refusedEvent).toMatchObject({ cap: 'limits.clicksPerUser', reason: expect.stringMatching(/^click cap limits\.clicksPerUser/) });
  });

  it('a cap with a bad field is refused naming it', async () => {
    const bad = activityDeclaration('act-bad', {
      template: 'capped@1.0',
      channels: [CHANNEL],
      benefit: {
        pool: 'pool-bad',
        stock: 1,
        perUser: 1,
        validFor: '7d',
        perUserPer: { count: 1, period: 'fortnight', timezone: 'Mars/Olympus' },
      },
      limits: { clicksPerUser: { count: 0, within: '1m' } },
    });
    const refused = await httpJson(server(0).url, 'PUT', '/v1/activities/act-bad', bad);
    expect(refused.status).toBe(400);
    const paths = refused.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(
      expect.arrayContaining(['body.benefit.perUserPer.period', 'body.benefit.perUserPer.timezone', 'body.limits.clicksPerUser.count']),
    );
  });
});
