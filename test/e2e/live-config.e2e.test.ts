import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema } from '../infra/postgres/postgres-test-schema.js';
import { deleteKeys } from '../infra/redis/redis-test-support.js';
import { activityDeclaration, editConfigFile, httpJson } from '../support/config-edit.js';
import { sampleConfigFile } from '../support/sample-app.js';
import { DATABASE_URL, REDIS_URL, uniqueName } from '../support/services.js';
import { type ChildServer, CLI, spawnServer } from '../support/spawn-server.js';

// `npm run build` first: these run `node dist/cli.js serve`, as production does.
const namespace = uniqueName('live_e2e');
const env = { REDIS_URL, DATABASE_URL, NAMESPACE: namespace, DATABASE_SCHEMA: namespace, MIGRATE: 'true' };
let configPath: string;
let a: ChildServer;
let b: ChildServer;

beforeAll(async () => {
  configPath = sampleConfigFile();
  // The first process migrates alone; both watch the same file (serve does by default).
  a = await spawnServer(configPath, env);
  b = await spawnServer(configPath, env);
});

afterAll(async () => {
  const codes = await Promise.all([a, b].filter(Boolean).map((server) => server.stop()));
  expect(codes).toEqual(codes.map(() => 0));
  const redis = new Redis(REDIS_URL);
  await deleteKeys(redis, `${namespace}:`);
  await redis.quit();
  await dropSchema(namespace);
});

const activities = async (server: ChildServer) => (await httpJson(server.url, 'GET', '/v1/activities')).body.activities as any[];
const outcomeOf = async (server: ChildServer, activityId: string, userId: string) => {
  const response = await httpJson(server.url, 'POST', '/v1/channels/home_banner/events', { userId });
  return response.body.outcomes.find((o: { activityId: string }) => o.activityId === activityId);
};

/** Polls until `check` holds, at most two seconds after `since`; returns how long it took. */
async function withinTwoSeconds(since: number, check: () => Promise<boolean>): Promise<number> {
  for (;;) {
    if (await check()) return Date.now() - since;
    if (Date.now() - since > 2_000) throw new Error(`not visible within 2 s (${Date.now() - since} ms)`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('two serve processes sharing PostgreSQL and Redis', () => {
  it('an activity PUT on one is live on the other within two seconds: listed, and run on events', async () => {
    const activity = activityDeclaration('act-e2e', { template: 'item-promotion@2.0', channels: ['home_banner'] });
    const putOnA = await httpJson(a.url, 'PUT', '/v1/activities/act-e2e', activity, { 'x-actor': 'alice' });
    expect(putOnA.status).toBe(200);
    const since = Date.now();
    await withinTwoSeconds(since, async () => (await activities(b)).some((x) => x.id === 'act-e2e'));
    expect(await outcomeOf(b, 'act-e2e', 'e2e-u1')).toMatchObject({ template: 'item-promotion@2.0' });

    // A change to it, then a pause: each live on B within two seconds.
    await httpJson(a.url, 'PUT', '/v1/activities/act-e2e', { ...activity, template: 'item-promotion@3.0' });
    const changed = Date.now();
    await withinTwoSeconds(changed, async () => (await outcomeOf(b, 'act-e2e', 'e2e-u1'))?.template === 'item-promotion@3.0');
    await httpJson(b.url, 'PUT', '/v1/activities/act-e2e', { ...activity, status: 'paused' });
    const paused = Date.now();
    await withinTwoSeconds(paused, async () => (await outcomeOf(a, 'act-e2e', 'e2e-u1')) === undefined);
  });

  it('a template PUT on one is usable by an activity on the other within two seconds', async () => {
    const template = { description: 'no rules', chains: { home_banner: ['check-event', 'query-asset', 'send-benefit', 'build-result'] } };
    expect((await httpJson(a.url, 'PUT', '/v1/templates/promo-e2e/1.0', template, { 'x-actor': 'bob' })).status).toBe(201);
    const since = Date.now();
    const activity = activityDeclaration('act-promo', { template: 'promo-e2e@1.0', channels: ['home_banner'] });
    await withinTwoSeconds(since, async () => (await httpJson(b.url, 'PUT', '/v1/activities/act-promo', activity)).status === 200);
    expect(await outcomeOf(b, 'act-promo', 'e2e-u2')).toMatchObject({ template: 'promo-e2e@1.0' });
    expect(await outcomeOf(a, 'act-promo', 'e2e-u2')).toMatchObject({ template: 'promo-e2e@1.0' });
    // Both processes refuse a change to the published version.
    for (const server of [a, b]) {
      const changed = await httpJson(server.url, 'PUT', '/v1/templates/promo-e2e/1.0', { chains: { home_banner: ['check-event'] } });
      expect(changed.status).toBe(409);
    }
  });

  it('an edit of the config file on disk is live in both within two seconds', async () => {
    editConfigFile(configPath, (config) => {
      config.activities.push(activityDeclaration('act-file', { template: 'item-promotion@3.0', channels: ['home_banner'] }));
    });
    const since = Date.now();
    for (const server of [a, b]) {
      await withinTwoSeconds(since, async () => (await outcomeOf(server, 'act-file', 'e2e-u3')) !== undefined);
    }
  });

  it('an invalid edit is refused whole, with a warning naming each bad field, and the old configuration keeps serving', async () => {
    editConfigFile(configPath, (config) => {
      const file = config.activities.find((x) => x.id === 'act-file');
      if (file) {
        file.name = 'never applied';
        file.window = { start: '2026-01-01T00:00:00Z', end: '2025-01-01T00:00:00Z' };
      }
      config.templates.push({ id: 'item-promotion', version: '9.0', chains: { home_banner: [] } });
    });
    const since = Date.now();
    for (const server of [a, b]) {
      await withinTwoSeconds(since, async () => server.output().includes('configuration file refused'));
      expect(server.output()).toMatch(/templates\[2\]\.chains\.home_banner: expected at least one processor/);
      expect(server.output()).toMatch(/activities\[1\]\.window\.end: must be after window\.start/);
    }
    for (const server of [a, b]) {
      expect((await activities(server)).find((x) => x.id === 'act-file')?.name).toBe('Activity act-file');
      expect(await outcomeOf(server, 'act-file', 'e2e-u4')).toMatchObject({ template: 'item-promotion@3.0' });
    }
  });

  it('`strategy-center changes` lists who changed what and when', async () => {
    const result = spawnSync(process.execPath, [CLI, 'changes', '--limit', '100'], {
      env: { ...process.env, DATABASE_URL, DATABASE_SCHEMA: namespace },
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    const [header, rule, ...rows] = result.stdout.trim().split('\n');
    expect(header?.split(/\s+/)).toEqual(['seq', 'at', 'actor', 'kind', 'id', 'change']);
    expect(rule).toMatch(/^-+ {2}-+/);
    const line = (actor: string, kind: string, id: string, change: string) =>
      rows.some((row) => new RegExp(`\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\s+${actor}\\s+${kind}\\s+${id}\\s+${change}`).test(row));
    expect(line('alice', 'activity', 'act-e2e', 'created')).toBe(true);
    expect(line('admin-api', 'activity', 'act-e2e', 'changed template')).toBe(true);
    expect(line('admin-api', 'activity', 'act-e2e', 'changed status')).toBe(true);
    expect(line('bob', 'template', 'promo-e2e@1.0', 'created')).toBe(true);
    expect(line(`file:${configPath.replace(/[.]/g, '\\.')}`, 'activity', 'act-file', 'created')).toBe(true);
    const json = spawnSync(process.execPath, [CLI, 'changes', '--json', '--kind', 'template', '--id', 'promo-e2e@1.0'], {
      env: { ...process.env, DATABASE_URL, DATABASE_SCHEMA: namespace },
      encoding: 'utf8',
    });
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({ actor: 'bob', before: null, after: expect.objectContaining({ id: 'promo-e2e', version: '1.0' }) }),
    ]);
    const viaServer = spawnSync(process.execPath, [CLI, 'changes', '--server', b.url, '--kind', 'template'], {
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: '' },
    });
    expect(viaServer.status).toBe(0);
    expect(viaServer.stdout).toMatch(/bob\s+template\s+promo-e2e@1\.0\s+created/);
  });
});
