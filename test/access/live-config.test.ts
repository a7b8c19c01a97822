import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Processor } from '../../src/domain/processor.js';
import { activityDeclaration, editConfigFile, httpJson, writeConfigText } from '../support/config-edit.js';
import { type RunningApi, sampleConfigFile, startApi } from '../support/sample-app.js';

let api: RunningApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const put = (running: RunningApi, path: string, body: unknown, headers: Record<string, string> = {}) =>
  httpJson(running.url, 'PUT', path, body, headers);
const click = (running: RunningApi, channel: string, userId: string) => running.post(`/v1/channels/${channel}/events`, { userId });

/** Replaces the file with the sample config changed by `edit`. */
function rewriteFromSample(path: string, edit: Parameters<typeof sampleConfigFile>[0]): void {
  writeConfigText(path, readFileSync(sampleConfigFile(edit), 'utf8'));
}

const HOME_BANNER = ['check-event', 'rule-check', 'query-asset', 'send-benefit', 'build-result'];

describe('templates through the admin API', () => {
  it('are validated like the file, each error naming its field', async () => {
    api = await startApi();
    const unknown = await put(api, '/v1/templates/promo/4.0', { chains: { home_banner: ['check-event', 'query-asset', 'no-such'] } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('invalid_input');
    expect(unknown.body.error.details).toEqual([
      { path: 'body.chains.home_banner[2]', message: expect.stringMatching(/^unknown processor 'no-such' \(registered: .*check-event/) },
    ]);
    const empty = await put(api, '/v1/templates/promo/4.0', { chains: { home_banner: [], browse_3_items: ['query-activity'] } });
    expect(empty.body.error.details).toEqual([{ path: 'body.chains.home_banner', message: 'expected at least one processor' }]);
    const none = await put(api, '/v1/templates/promo/4.0', { chains: {} });
    expect(none.body.error.details).toEqual([{ path: 'body.chains', message: 'expected at least one channel chain' }]);
    const missing = await put(api, '/v1/templates/promo/4.0', { lock: 'yes' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['body.chains', 'body.lock']);
    const extra = await put(api, '/v1/templates/promo/4.0', { chains: { home_banner: ['check-event'] }, steps: [] });
    expect(extra.body.error.details).toEqual([{ path: 'body', message: 'unknown field(s): steps' }]);
    const mismatch = await put(api, '/v1/templates/promo/4.0', { id: 'other', chains: { home_banner: ['check-event'] } });
    expect(mismatch.body.error.details).toEqual([{ path: 'body.id', message: "expected 'promo' (from the path), got 'other'" }]);
    const badVersion = await put(api, '/v1/templates/promo/4.0!', { chains: { home_banner: ['check-event'] } });
    expect(badVersion.body.error.details[0].path).toBe('params.version');
    expect((await api.get('/v1/templates')).body.templates.map((t: { ref: string }) => t.ref)).not.toContain('promo@4.0');
  });

  it('a published version never changes: the same content again is a no-op, other content a conflict', async () => {
    api = await startApi();
    const template = {
      description: 'Issue without rules',
      lock: false,
      chains: { home_banner: ['check-event', 'query-asset', 'send-benefit'] },
    };
    const created = await put(api, '/v1/templates/promo/4.0', template, { 'x-actor': 'alice' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ ref: 'promo@4.0', id: 'promo', version: '4.0', ...template, created: true });
    const again = await put(api, '/v1/templates/promo/4.0', { ...template, id: 'promo', version: '4.0' });
    expect(again.status).toBe(200);
    expect(again.body.created).toBe(false);
    const changed = await put(api, '/v1/templates/promo/4.0', { ...template, chains: { home_banner: ['check-event'] } });
    expect(changed.status).toBe(409);
    expect(changed.body.error).toMatchObject({ code: 'conflict', message: expect.stringMatching(/promo@4.0 .*publish a new version/) });
    expect(changed.body.error.details[0].path).toBe('body');
    // The file's templates are published too.
    const fromFile = await put(api, '/v1/templates/item-promotion/3.0', { lock: true, chains: { home_banner: ['check-event'] } });
    expect(fromFile.status).toBe(409);
    const listed = (await api.get('/v1/templates')).body.templates.find((t: { ref: string }) => t.ref === 'promo@4.0');
    expect(listed.chains).toEqual(template.chains);

    // Usable at once by an activity.
    const activity = activityDeclaration('act-promo', { template: 'promo@4.0', channels: ['home_banner'] });
    const published = await put(api, '/v1/activities/act-promo', activity);
    expect(published.status).toBe(200);
    const outcome = (await click(api, 'home_banner', 'u-promo')).body.outcomes.find(
      (o: { activityId: string }) => o.activityId === 'act-promo',
    );
    // No offer was prepared for this user: the chain ran on promo@4.0 and said so.
    expect(outcome).toMatchObject({ template: 'promo@4.0', status: 'rejected' });
  });
});

describe('the change log', () => {
  it('lists who changed what, when, with before and after, newest first', async () => {
    const configPath = sampleConfigFile();
    api = await startApi({ configPath });
    const startedAt = Date.now();
    const fromFile = (await api.get('/v1/changes')).body.changes;
    expect(fromFile.map((c: { actor: string; kind: string; id: string }) => `${c.actor} ${c.kind} ${c.id}`)).toEqual([
      `file:${configPath} activity act-1001`,
      `file:${configPath} template item-promotion@2.0`,
      `file:${configPath} template item-promotion@3.0`,
    ]);
    const original = (await api.get('/v1/activities')).body.activities.find((a: { id: string }) => a.id === 'act-1001');

    const changed = activityDeclaration('act-1001', { name: 'Now 20% off', params: { discountPercent: 20, recallLimit: 4 } });
    expect((await put(api, '/v1/activities/act-1001', changed, { 'x-actor': 'alice@marketing' })).status).toBe(200);
    await put(api, '/v1/templates/promo/5.0', { chains: { home_banner: HOME_BANNER } });
    // Publishing the same content again is not a change.
    await put(api, '/v1/activities/act-1001', changed, { 'x-actor': 'bob' });

    const { changes } = (await api.get('/v1/changes?limit=2')).body;
    expect(changes).toHaveLength(2);
    const [template, activity] = changes;
    expect(template).toMatchObject({ actor: 'admin-api', kind: 'template', id: 'promo@5.0', before: null });
    expect(template.after).toMatchObject({ id: 'promo', version: '5.0', chains: { home_banner: HOME_BANNER } });
    expect(activity).toMatchObject({ actor: 'alice@marketing', kind: 'activity', id: 'act-1001', before: original });
    expect(activity.after).toMatchObject({ name: 'Now 20% off', params: { discountPercent: 20 } });
    expect(activity.seq).toBeLessThan(template.seq);
    expect(Date.parse(activity.at)).toBeGreaterThanOrEqual(startedAt - 1000);
    expect(Date.parse(activity.at)).toBeLessThanOrEqual(Date.now());

    const filtered = (await api.get('/v1/changes?kind=activity&id=act-1001')).body.changes;
    expect(filtered.map((c: { actor: string }) => c.actor)).toEqual(['alice@marketing', `file:${configPath}`]);
    const bad = await api.get('/v1/changes?limit=0&kind=rule');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['query.kind', 'query.limit']);
  });

  it('is an admin route', async () => {
    api = await startApi({ env: { ADMIN_TOKEN: 'secret' } });
    expect((await api.get('/v1/changes')).status).toBe(401);
    expect((await put(api, '/v1/templates/promo/4.0', { chains: { home_banner: ['check-event'] } })).status).toBe(401);
    const allowed = await httpJson(api.url, 'GET', '/v1/changes', undefined, { authorization: 'Bearer secret' });
    expect(allowed.status).toBe(200);
  });
});

describe('a chain in flight', () => {
  it('finishes on the activity and template version it started with', async () => {
    let entered = () => {};
    const started = new Promise<void>((resolve) => {
      entered = resolve;
    });
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const echo = (name: string, wait: boolean): Processor => ({
      name,
      validate: () => true,
      async process(ctx) {
        if (wait) {
          entered();
          await gate;
        }
        ctx.output = { discountPercent: ctx.activity.params.discountPercent, name: ctx.activity.name, template: ctx.template };
        ctx.stop('prepared', `echoed by ${name}`);
      },
    });
    const configPath = sampleConfigFile((config) => {
      config.templates.push({ id: 'slow', version: '1.0', chains: { slow_ch: ['slow-echo'] } });
      config.activities.push(activityDeclaration('act-slow', { template: 'slow@1.0', channels: ['slow_ch'] }));
    });
    api = await startApi({ configPath, processors: () => [echo('slow-echo', true), echo('echo', false)] });
    const running = api;

    const inFlight = click(running, 'slow_ch', 'u1');
    await started;
    // Mid-chain: a new template version, and the activity moved to it with other params.
    expect((await put(running, '/v1/templates/slow/2.0', { chains: { slow_ch: ['echo'] } })).status).toBe(201);
    const moved = activityDeclaration('act-slow', {
      template: 'slow@2.0',
      channels: ['slow_ch'],
      name: 'moved',
      params: { discountPercent: 20 },
    });
    expect((await put(running, '/v1/activities/act-slow', moved)).status).toBe(200);
    expect((await running.app.activities.get('act-slow'))?.template).toEqual({ id: 'slow', version: '2.0' });
    release();

    const finished = (await inFlight).body.outcomes[0];
    expect(finished).toMatchObject({ template: 'slow@1.0', status: 'prepared', reason: 'echoed by slow-echo' });
    expect(finished.output).toEqual({ discountPercent: 10, name: 'Activity act-slow', template: 'slow@1.0' });
    const next = (await click(running, 'slow_ch', 'u2')).body.outcomes[0];
    expect(next).toMatchObject({ template: 'slow@2.0', reason: 'echoed by echo' });
    expect(next.output).toEqual({ discountPercent: 20, name: 'moved', template: 'slow@2.0' });
  });
});

describe('the config file, watched', () => {
  const activityIn = async (running: RunningApi, id: string) =>
    (await running.get('/v1/activities')).body.activities.find((a: { id: string }) => a.id === id);

  it('applies a valid edit within two seconds, without restart', async () => {
    const configPath = sampleConfigFile();
    api = await startApi({ configPath, watchConfig: true });
    const running = api;
    expect((await click(running, 'home_banner', 'w1')).body.outcomes).toHaveLength(1);

    editConfigFile(configPath, (config) => {
      const [activity] = config.activities;
      if (activity) activity.status = 'paused';
      config.templates.push({ id: 'item-promotion', version: '4.0', chains: { home_banner: HOME_BANNER } });
      config.activities.push(activityDeclaration('act-new', { template: 'item-promotion@4.0', channels: ['home_banner'] }));
      config.behaviorRules.push({ key: 'cart_twice', type: 'add_to_cart', count: 2, within: '1h' });
    });
    const editedAt = Date.now();
    await expect.poll(async () => (await activityIn(running, 'act-1001'))?.status, { timeout: 2_000, interval: 50 }).toBe('paused');
    await expect
      .poll(async () => (await activityIn(running, 'act-new'))?.template, { timeout: 2_000, interval: 50 })
      .toEqual({
        id: 'item-promotion',
        version: '4.0',
      });
    expect(Date.now() - editedAt).toBeLessThan(2_000);
    const outcomes = (await click(running, 'home_banner', 'w2')).body.outcomes;
    expect(outcomes.map((o: { activityId: string; template: string }) => `${o.activityId} ${o.template}`)).toEqual([
      'act-new item-promotion@4.0',
    ]);
    expect(running.app.config.behaviorRules.map((r) => r.key)).toEqual(['browse_3_items', 'cart_twice']);
    expect(running.app.liveConfig.lastFileReload).toMatchObject({ applied: true, problems: [] });
    const [latest] = (await running.get('/v1/changes?kind=activity&limit=1')).body.changes;
    expect(latest).toMatchObject({ actor: `file:${configPath}`, id: 'act-new', before: null });
  });

  it('refuses an invalid edit whole and keeps serving the old configuration', async () => {
    const configPath = sampleConfigFile();
    api = await startApi({ configPath, watchConfig: true });
    const running = api;
    const before = await activityIn(running, 'act-1001');

    editConfigFile(
      configPath,
      (config) => {
        const [activity] = config.activities;
        if (activity) {
          activity.name = 'half applied?';
          activity.benefit.stock = -1;
        }
      },
      'in-place',
    );
    await expect.poll(() => running.app.liveConfig.lastFileReload?.applied, { timeout: 2_000, interval: 50 }).toBe(false);
    expect(running.app.liveConfig.lastFileReload?.problems).toEqual([
      { path: 'activities[0].benefit.stock', message: 'expected a whole number >= 0' },
    ]);
    expect(await activityIn(running, 'act-1001')).toEqual(before);

    editConfigFile(configPath, (config) => {
      const [activity] = config.activities;
      if (activity) {
        activity.benefit.stock = 10;
        activity.template = 'item-promotion@5.0';
        activity.channels = ['home_banner', 'nowhere'];
      }
      config.templates.push({ id: 'item-promotion', version: '5.0', chains: { home_banner: ['check-event', 'nope'] } });
    });
    await expect
      .poll(() => running.app.liveConfig.lastFileReload?.problems.map((p) => p.path), { timeout: 2_000, interval: 50 })
      .toEqual(['templates[2].chains.home_banner[1]', 'activities[0].channels[1]']);
    expect(running.app.liveConfig.lastFileReload?.problems[0]?.message).toMatch(/^unknown processor 'nope'/);
    expect(await activityIn(running, 'act-1001')).toEqual(before);
    expect(running.app.templates.get({ id: 'item-promotion', version: '5.0' })).toBeUndefined();
    expect((await click(running, 'home_banner', 'w3')).body.outcomes[0]).toMatchObject({ activityId: 'act-1001', status: 'rejected' });

    // A published template changed in place is refused whole too: publish a new version.
    rewriteFromSample(configPath, (config) => {
      const [template] = config.templates;
      if (template) template.chains = { ...(template.chains as object), home_banner: ['check-event', 'send-benefit'] };
      const [activity] = config.activities;
      if (activity) activity.name = 'must not apply';
    });
    await expect
      .poll(() => running.app.liveConfig.lastFileReload?.problems.map((p) => p.path), { timeout: 2_000, interval: 50 })
      .toEqual(['templates[0]']);
    expect(running.app.liveConfig.lastFileReload?.problems[0]?.message).toMatch(/item-promotion@3.0 .*publish a new version/);
    expect(await activityIn(running, 'act-1001')).toEqual(before);

    // Broken YAML: refused, with the line.
    writeConfigText(configPath, 'templates: [\n  - id: x\n');
    await expect
      .poll(() => running.app.liveConfig.lastFileReload?.problems[0]?.path, { timeout: 2_000, interval: 50 })
      .toMatch(/strategy-center\.yaml:\d+:\d+$/);

    // Fixed: applied.
    rewriteFromSample(configPath, (config) => {
      const [activity] = config.activities;
      if (activity) activity.name = 'fixed';
    });
    await expect.poll(async () => (await activityIn(running, 'act-1001'))?.name, { timeout: 2_000, interval: 50 }).toBe('fixed');
  });

  it('an unchanged activity in the file does not revert an admin-API change when the file is edited elsewhere', async () => {
    const configPath = sampleConfigFile((config) => {
      config.activities.push(activityDeclaration('act-2'));
    });
    api = await startApi({ configPath, watchConfig: true });
    const running = api;
    await put(running, '/v1/activities/act-1001', activityDeclaration('act-1001', { name: 'set by the admin API' }));
    editConfigFile(configPath, (config) => {
      const second = config.activities[1];
      if (second) second.name = 'edited in the file';
    });
    await expect.poll(async () => (await activityIn(running, 'act-2'))?.name, { timeout: 2_000, interval: 50 }).toBe('edited in the file');
    expect((await activityIn(running, 'act-1001'))?.name).toBe('set by the admin API');
  });
});
