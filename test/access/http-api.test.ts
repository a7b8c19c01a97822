import { afterEach, describe, expect, it } from 'vitest';
import type { InProcessBroker } from '../../src/infra/memory/in-process-broker.js';
import { type RunningApi, sampleConfigFile, startApi } from '../support/sample-app.js';

let api: RunningApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

/** Three item views: the sample rule fires and the preparation chain stores the user's offer. */
async function prepare(running: RunningApi, userId: string, items = ['sku-001', 'sku-002', 'sku-001']): Promise<void> {
  for (const [i, itemId] of items.entries()) {
    const response = await running.post('/v1/behaviors', { userId, type: 'item_view', itemId, eventId: `${userId}-v${i}` });
    expect(response.status).toBe(202);
  }
  await (running.app.broker as InProcessBroker).drained();
}

const click = (running: RunningApi, userId: string, eventId?: string) =>
  running.post('/v1/channels/home_banner/events', { userId, ...(eventId ? { eventId } : {}) });

describe('the sample play over HTTP', () => {
  it('prepares on three views, issues on click, answers retries and repeat clicks with the same asset', async () => {
    api = await startApi();
    const early = await click(api, 'u1', 'e0');
    expect(early.status).toBe(200);
    expect(early.body.outcomes[0]).toMatchObject({ activityId: 'act-1001', template: 'item-promotion@3.0', status: 'rejected' });
    expect(early.body.outcomes[0].reason).toMatch(/no prepared offer/);

    const views = [];
    for (const itemId of ['sku-001', 'sku-002', 'sku-001'])
      views.push(await api.post('/v1/behaviors', { userId: 'u1', type: 'item_view', itemId }));
    expect(views.map((v) => v.body.fired)).toEqual([[], [], ['browse_3_items']]);
    await (api.app.broker as InProcessBroker).drained();
    const state = await api.get('/v1/activities/act-1001/users/u1');
    expect(state.body.prepared.data.offer.item.id).toBe('sku-001');
    expect(state.body.prepared.data.offer.discountedPriceCents).toBe(Math.round(state.body.prepared.data.offer.item.priceCents * 0.9));
    expect(state.body.assets).toEqual([]);

    const first = await click(api, 'u1', 'e1');
    const issued = first.body.outcomes[0];
    expect(issued.status).toBe('issued');
    expect(issued.asset).toMatchObject({ activityId: 'act-1001', userId: 'u1', status: 'active', idempotencyKey: 'act-1001:u1:0' });
    expect(Object.keys(issued.asset).sort()).toEqual(['activityId', 'expiresAt', 'id', 'idempotencyKey', 'issuedAt', 'status', 'userId']);
    expect(Date.parse(issued.asset.expiresAt) - Date.parse(issued.asset.issuedAt)).toBe(7 * 86_400_000);
    expect(issued.output.title).toMatch(/^10% off /);

    const retried = await click(api, 'u1', 'e1');
    expect(retried.body.outcomes[0]).toMatchObject({ status: 'issued', asset: { id: issued.asset.id } });
    const again = await click(api, 'u1', 'e2');
    expect(again.body.outcomes[0]).toMatchObject({ status: 'existing', asset: { id: issued.asset.id } });

    const trace = await api.get('/v1/events/e1/trace');
    expect(trace.body.chains[0].steps.map((s: { processor: string; status: string }) => `${s.processor}:${s.status}`)).toEqual([
      'check-event:ran',
      'rule-check:skipped',
      'query-asset:ran',
      'send-benefit:ran',
      'build-result:ran',
    ]);

    const redeemed = await api.post(`/v1/assets/${issued.asset.id}/redeem`, undefined);
    expect(redeemed.body).toMatchObject({ id: issued.asset.id, status: 'redeemed' });
    const twice = await api.post(`/v1/assets/${issued.asset.id}/redeem`, undefined);
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('conflict');
    const afterRedeem = await click(api, 'u1', 'e3');
    expect(afterRedeem.body.outcomes[0]).toMatchObject({ status: 'rejected' });
    expect(afterRedeem.body.outcomes[0].reason).toMatch(/per-user limit/);
    expect((await api.app.ledger.stock('coupon-10off'))?.remaining).toBe(999);
  });

  it('500 parallel clicks of one user give one asset', async () => {
    api = await startApi();
    await prepare(api, 'solo');
    const running = api;
    const responses = await Promise.all(Array.from({ length: 500 }, (_, i) => click(running, 'solo', `c${i}`)));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    const ids = new Set(responses.map((r) => r.body.outcomes[0].asset?.id));
    expect(ids.size).toBe(1);
    expect(responses.filter((r) => r.body.outcomes[0].status === 'issued')).toHaveLength(1);
    expect(await api.app.ledger.listAssets('act-1001', 'solo')).toHaveLength(1);
    expect((await api.app.ledger.stock('coupon-10off'))?.remaining).toBe(999);
  });

  it('1,000 parallel clicks across 300 prepared users with stock 100 leave exactly 100 assets and stock 0', async () => {
    const configPath = sampleConfigFile((config) => {
      const [activity] = config.activities;
      if (activity) activity.benefit.stock = 100;
    });
    api = await startApi({ configPath });
    const running = api;
    const users = Array.from({ length: 300 }, (_, i) => `user-${i}`);
    for (let i = 0; i < users.length; i += 50) await Promise.all(users.slice(i, i + 50).map((user) => prepare(running, user)));
    const responses = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => click(running, users[i % users.length] as string, `click-${i}`)),
    );
    expect(responses.every((r) => r.status === 200 && r.body.outcomes.length === 1)).toBe(true);
    const assets = (await Promise.all(users.map((u) => running.app.ledger.listAssets('act-1001', u)))).flat();
    expect(assets).toHaveLength(100);
    expect(new Set(assets.map((a) => a.userId)).size).toBe(100);
    expect((await api.app.ledger.stock('coupon-10off'))?.remaining).toBe(0);
    const statuses = responses.map((r) => r.body.outcomes[0].status);
    expect(statuses.filter((s) => s === 'issued').length).toBeGreaterThanOrEqual(100);
    expect(responses.some((r) => /out of stock/.test(r.body.outcomes[0].reason ?? ''))).toBe(true);
  });

  it('a redeemed asset lets a user with perUser 2 get a second one under a new key, then the bound holds', async () => {
    const configPath = sampleConfigFile((config) => {
      const [activity] = config.activities;
      if (activity) activity.benefit.perUser = 2;
    });
    api = await startApi({ configPath });
    await prepare(api, 'twice');
    const first = (await click(api, 'twice', 'a')).body.outcomes[0];
    expect(first.asset.idempotencyKey).toBe('act-1001:twice:0');
    expect((await click(api, 'twice', 'b')).body.outcomes[0].status).toBe('existing');
    await api.post(`/v1/assets/${first.asset.id}/redeem`, undefined);
    const second = (await click(api, 'twice', 'c')).body.outcomes[0];
    expect(second).toMatchObject({ status: 'issued', asset: { idempotencyKey: 'act-1001:twice:1', status: 'active' } });
    expect(second.asset.id).not.toBe(first.asset.id);
    await api.post(`/v1/assets/${second.asset.id}/redeem`, undefined);
    const third = (await click(api, 'twice', 'd')).body.outcomes[0];
    expect(third.status).toBe('rejected');
    expect(third.reason).toMatch(/2 of 2/);
    const state = await api.get('/v1/activities/act-1001/users/twice');
    expect(state.body.assets.map((a: { status: string }) => a.status)).toEqual(['redeemed', 'redeemed']);
  });

  it('an event on a channel no activity is bound to has no outcomes', async () => {
    api = await startApi();
    const response = await click(api, 'u1');
    expect(response.body).toMatchObject({ channelCode: 'home_banner' });
    const other = await api.post('/v1/channels/nobody_listens/events', { userId: 'u1', eventId: 'x1' });
    expect(other.body).toEqual({ eventId: 'x1', channelCode: 'nobody_listens', outcomes: [] });
  });
});

describe('bad input gets a clear error naming the field', () => {
  const cases: [string, string, unknown, string][] = [
    ['missing userId', '/v1/channels/home_banner/events', {}, 'body.userId'],
    ['userId of the wrong type', '/v1/channels/home_banner/events', { userId: 42 }, 'body.userId'],
    ['empty userId', '/v1/channels/home_banner/events', { userId: '' }, 'body.userId'],
    ['payload not an object', '/v1/channels/home_banner/events', { userId: 'u', payload: 'x' }, 'body.payload'],
    ['unknown field', '/v1/channels/home_banner/events', { userId: 'u', user: 'u' }, 'body'],
    ['body not an object', '/v1/channels/home_banner/events', [1, 2], 'body'],
    ['behavior without type', '/v1/behaviors', { userId: 'u' }, 'body.type'],
    ['behavior with a bad time', '/v1/behaviors', { userId: 'u', type: 'item_view', at: 'yesterday' }, 'body.at'],
  ];
  it.each(cases)('%s', async (_name, path, body, field) => {
    api = await startApi();
    const response = await api.post(path, body);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_input');
    expect(response.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
    expect(response.body.error.message).toContain(field);
  });

  it('malformed JSON, a missing body, unknown routes and unknown assets', async () => {
    api = await startApi();
    const broken = await api.post('/v1/behaviors', '{"userId": ');
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('invalid_input');
    const empty = await fetch(`${api.url}/v1/behaviors`, { method: 'POST' });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as any).error.details[0].path).toBe('body');
    const route = await api.get('/v1/nothing');
    expect(route.status).toBe(404);
    expect(route.body.error.code).toBe('not_found');
    const asset = await api.post('/v1/assets/nope/redeem', undefined);
    expect(asset.status).toBe(404);
    const trace = await api.get('/v1/events/never/trace');
    expect(trace.status).toBe(404);
    const activity = await api.get('/v1/activities/act-404/users/u1');
    expect(activity.status).toBe(404);
  });

  it('nothing is lost after a bad request: the next good one works', async () => {
    api = await startApi();
    await api.post('/v1/behaviors', { userId: 'u9', type: 'item_view', itemId: 42 });
    await prepare(api, 'u9');
    expect((await click(api, 'u9')).body.outcomes[0].status).toBe('issued');
  });
});

describe('admin endpoints', () => {
  it('require the bearer token when ADMIN_TOKEN is set', async () => {
    api = await startApi({ env: { ADMIN_TOKEN: 'secret' } });
    expect((await api.get('/v1/templates')).status).toBe(401);
    const allowed = await fetch(`${api.url}/v1/templates`, { headers: { authorization: 'Bearer secret' } });
    expect(allowed.status).toBe(200);
    expect(((await allowed.json()) as any).templates[0]).toMatchObject({ ref: 'item-promotion@3.0', lock: true });
  });

  it('PUT an activity validates it and makes it live', async () => {
    api = await startApi();
    const activity = {
      id: 'act-2002',
      name: 'Second play',
      template: 'item-promotion@3.0',
      channels: ['browse_3_items', 'home_banner'],
      window: { start: '2026-01-01T00:00:00Z', end: '2030-01-01T00:00:00Z' },
      benefit: { pool: 'coupon-5off', stock: 5, perUser: 1, validFor: '1d' },
      params: { discountPercent: 5 },
    };
    const bad = await fetch(`${api.url}/v1/activities/act-2002`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...activity, benefit: { ...activity.benefit, stock: -3 } }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.details[0]).toEqual({ path: 'body.benefit.stock', message: 'expected a whole number >= 0' });
    const missingTemplate = await fetch(`${api.url}/v1/activities/act-2002`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...activity, template: 'item-promotion@9.9' }),
    });
    expect(((await missingTemplate.json()) as any).error.details[0].path).toBe('body.template');
    const good = await fetch(`${api.url}/v1/activities/act-2002`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(activity),
    });
    expect(good.status).toBe(200);
    await prepare(api, 'u5');
    const outcomes = (await click(api, 'u5')).body.outcomes;
    expect(outcomes.map((o: { activityId: string; status: string }) => `${o.activityId}:${o.status}`).sort()).toEqual([
      'act-1001:issued',
      'act-2002:issued',
    ]);
    expect((await api.get('/v1/activities')).body.activities).toHaveLength(2);
  });

  it('healthz and metrics answer', async () => {
    api = await startApi();
    await click(api, 'm1');
    expect((await api.get('/healthz')).body).toMatchObject({ status: 'ok' });
    const metrics = await fetch(`${api.url}/metrics`);
    const text = await metrics.text();
    expect(text).toContain('strategy_center_outcomes_total{channel="home_banner",activity="act-1001",status="rejected"} 1');
  });
});
