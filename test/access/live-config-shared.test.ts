import { Redis } from 'ioredis';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { dropSchema } from '../infra/postgres/postgres-test-schema.js';
import { deleteKeys } from '../infra/redis/redis-test-support.js';
import { activityDeclaration, editConfigFile, httpJson } from '../support/config-edit.js';
import { type RunningApi, sampleConfigFile, startApi } from '../support/sample-app.js';
import { DATABASE_URL, REDIS_URL, uniqueName } from '../support/services.js';

const running: RunningApi[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((api) => api.close()));
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function start(options: Parameters<typeof startApi>[0]): Promise<RunningApi> {
  const api = await startApi(options);
  running.push(api);
  return api;
}

async function stop(api: RunningApi): Promise<void> {
  running.splice(running.indexOf(api), 1);
  await api.close();
}

const activityIn = async (api: RunningApi, id: string) =>
  (await api.get('/v1/activities')).body.activities.find((a: { id: string }) => a.id === id);

describe('the config file and the admin API over PostgreSQL', () => {
  it('a restart never reverts an admin-API change; editing the activity in the file does override it', async () => {
    const schema = uniqueName('live_restart');
    cleanups.push(() => dropSchema(schema));
    const env = { DATABASE_URL, DATABASE_SCHEMA: schema, MIGRATE: 'true' };
    const configPath = sampleConfigFile();

    const first = await start({ configPath, env });
    const adminVersion = activityDeclaration('act-1001', {
      name: 'set through the admin API',
      benefit: { pool: 'coupon-10off', stock: 5, perUser: 1, validFor: '7d' },
    });
    expect((await httpJson(first.url, 'PUT', '/v1/activities/act-1001', adminVersion, { 'x-actor': 'alice' })).status).toBe(200);
    await stop(first);

    const second = await start({ configPath, env });
    expect((await activityIn(second, 'act-1001')).name).toBe('set through the admin API');
    expect((await second.app.ledger.stock('coupon-10off'))?.total).toBe(5);
    const [latest] = (await second.get('/v1/changes?kind=activity&limit=1')).body.changes;
    expect(latest.actor).toBe('alice');
    await stop(second);

    editConfigFile(configPath, (config) => {
      const [activity] = config.activities;
      if (activity) activity.name = 'edited in the file';
    });
    const third = await start({ configPath, env });
    expect((await activityIn(third, 'act-1001')).name).toBe('edited in the file');
    expect((await third.app.ledger.stock('coupon-10off'))?.total).toBe(1000);
    const changes = (await third.get('/v1/changes?kind=activity&id=act-1001')).body.changes;
    expect(changes.map((c: { actor: string }) => c.actor)).toEqual([`file:${configPath}`, 'alice', `file:${configPath}`]);
    expect(changes[0].before.name).toBe('set through the admin API');
  });

  it('processes starting together on one file apply it once', async () => {
    const schema = uniqueName('live_together');
    cleanups.push(() => dropSchema(schema));
    const env = { DATABASE_URL, DATABASE_SCHEMA: schema, MIGRATE: 'true' };
    const configPath = sampleConfigFile();
    // The first migrates; then three start at once on the migrated schema.
    const empty = sampleConfigFile((config) => {
      config.activities = [];
    });
    await stop(await start({ configPath: empty, env }));
    const apis = await Promise.all([1, 2, 3].map(() => start({ configPath, env })));
    const changes = (await apis[0]?.get('/v1/changes'))?.body.changes;
    expect(changes.map((c: { kind: string; id: string }) => `${c.kind} ${c.id}`).sort()).toEqual([
      'activity act-1001',
      'template item-promotion@2.0',
      'template item-promotion@3.0',
    ]);
  });
});

describe('DATABASE_LISTEN_URL: the change feed on a connection of its own (behind PgBouncer)', () => {
  it('listens on that connection, and a change still reaches the other process', async () => {
    const schema = uniqueName('live_listen');
    cleanups.push(() => dropSchema(schema));
    const env = { DATABASE_URL, DATABASE_SCHEMA: schema, MIGRATE: 'true' };
    const configPath = sampleConfigFile();
    const writer = await start({ configPath, env });
    const listenerName = uniqueName('listen');
    const reader = await start({ configPath, env: { ...env, DATABASE_LISTEN_URL: `${DATABASE_URL}?application_name=${listenerName}` } });

    const observer = new pg.Client({ connectionString: DATABASE_URL });
    await observer.connect();
    cleanups.push(() => observer.end());
    const listening = await observer.query<{ query: string }>('SELECT query FROM pg_stat_activity WHERE application_name = $1', [
      listenerName,
    ]);
    expect(listening.rows.map((row) => row.query)).toEqual([expect.stringMatching(/^LISTEN /)]);

    const renamed = activityDeclaration('act-1001', { name: 'renamed on the writer' });
    expect((await httpJson(writer.url, 'PUT', '/v1/activities/act-1001', renamed)).status).toBe(200);
    await expect.poll(async () => (await activityIn(reader, 'act-1001')).name, { timeout: 5_000 }).toBe('renamed on the writer');
  });
});

describe('REDIS_URL without DATABASE_URL: each process keeps its own records', () => {
  it('changes reach the other processes on Redis pub/sub, value included', async () => {
    const namespace = uniqueName('live_redis');
    cleanups.push(async () => {
      const redis = new Redis(REDIS_URL);
      await deleteKeys(redis, `${namespace}:`);
      await redis.quit();
    });
    const env = { REDIS_URL, NAMESPACE: namespace };
    const configPath = sampleConfigFile();
    const [a, b] = await Promise.all([start({ configPath, env }), start({ configPath, env })]);
    if (!a || !b) throw new Error('not started');

    const template = { chains: { home_banner: ['check-event', 'query-asset', 'send-benefit', 'build-result'] } };
    expect((await httpJson(a.url, 'PUT', '/v1/templates/promo/1.0', template, { 'x-actor': 'alice' })).status).toBe(201);
    const activity = activityDeclaration('act-r', { template: 'promo@1.0', channels: ['home_banner'] });
    expect((await httpJson(a.url, 'PUT', '/v1/activities/act-r', activity, { 'x-actor': 'alice' })).status).toBe(200);

    await expect
      .poll(async () => (await activityIn(b, 'act-r'))?.template, { timeout: 2_000, interval: 50 })
      .toEqual({
        id: 'promo',
        version: '1.0',
      });
    const outcome = (await b.post('/v1/channels/home_banner/events', { userId: 'r1' })).body.outcomes.find(
      (o: { activityId: string }) => o.activityId === 'act-r',
    );
    expect(outcome).toMatchObject({ template: 'promo@1.0' });
    expect(outcome.status).not.toBe('failed');
    const changes = (await b.get('/v1/changes?limit=2')).body.changes;
    expect(changes.map((c: { actor: string; id: string }) => `${c.actor} ${c.id}`)).toEqual(['alice act-r', 'alice promo@1.0']);
  });
});
