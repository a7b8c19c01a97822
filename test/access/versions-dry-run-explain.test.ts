import { afterEach, describe, expect, it } from 'vitest';
import { rolloutBucket } from '../../src/domain/rollout.js';
import type { InProcessBroker } from '../../src/infra/memory/in-process-broker.js';
import { type RunningApi, startApi } from '../support/sample-app.js';

let api: RunningApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function prepare(running: RunningApi, userId: string): Promise<void> {
  for (const [i, itemId] of ['sku-001', 'sku-002', 'sku-003'].entries()) {
    await running.post('/v1/behaviors', { userId, type: 'item_view', itemId, eventId: `${userId}-v${i}` });
  }
  await (running.app.broker as InProcessBroker).drained();
}

const put = async (running: RunningApi, path: string, body: unknown) => {
  const response = await fetch(`${running.url}${path}`, {
    method: 'PUT',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  return { status: response.status, body: (await response.json()) as any };
};

describe('dry run', () => {
  it('returns the outcomes and traces it would produce and writes nothing', async () => {
    api = await startApi();
    await prepare(api, 'd1');
    const dry = await api.post('/v1/channels/home_banner/events?dryRun=true', { userId: 'd1', eventId: 'dry-1' });
    expect(dry.status).toBe(200);
    expect(dry.body.dryRun).toBe(true);
    expect(dry.body.outcomes[0]).toMatchObject({ status: 'issued', asset: { id: 'dry-run:act-1001:d1:0' } });
    expect(dry.body.traces[0]).toMatchObject({ dryRun: true, decidedBy: 'send-benefit' });
    expect((await api.app.ledger.stock('coupon-10off'))?.remaining).toBe(1000);
    expect(await api.app.ledger.listAssets('act-1001', 'd1')).toEqual([]);
    expect((await api.get('/v1/events/dry-1/trace')).status).toBe(404);

    const dryPrepare = await api.post('/v1/channels/browse_3_items/events?dryRun=true', {
      userId: 'fresh',
      payload: { itemIds: ['sku-010', 'sku-011', 'sku-010'] },
    });
    expect(dryPrepare.body.outcomes[0].status).toBe('prepared');
    expect((await api.get('/v1/activities/act-1001/users/fresh')).body.prepared).toBeNull();
  });

  it('evaluates windows and expiries as of `now`', async () => {
    api = await startApi();
    await prepare(api, 'd2');
    const issued = (await api.post('/v1/channels/home_banner/events', { userId: 'd2' })).body.outcomes[0];
    expect(issued.status).toBe('issued');
    const later = new Date(Date.parse(issued.asset.expiresAt) + 1000).toISOString();
    const afterExpiry = await api.post(`/v1/channels/home_banner/events?dryRun=true&now=${later}`, { userId: 'd2' });
    // perUser 1: the expired coupon was the user's one; a new round is over the bound.
    expect(afterExpiry.body.outcomes[0]).toMatchObject({ status: 'rejected' });
    expect(afterExpiry.body.outcomes[0].reason).toMatch(/per-user limit/);
    const afterWindow = await api.post('/v1/channels/home_banner/events?dryRun=true&now=2031-01-01T00:00:00Z', { userId: 'd2' });
    expect(afterWindow.body.outcomes).toEqual([]);
  });

  it('refuses `now` without dryRun, and a bad time, naming the field', async () => {
    api = await startApi();
    const live = await api.post('/v1/channels/home_banner/events?now=2030-01-01T00:00:00Z', { userId: 'x' });
    expect(live.status).toBe(400);
    expect(live.body.error.details[0].path).toBe('query.now');
    const bad = await api.post('/v1/channels/home_banner/events?dryRun=true&now=tomorrow', { userId: 'x' });
    expect(bad.body.error.details[0].path).toBe('query.now');
  });
});

describe('explain', () => {
  it('tells why a user got, or did not get, the benefit, with the deciding processor and its inputs', async () => {
    api = await startApi();
    await api.post('/v1/channels/home_banner/events', { userId: 'e1', eventId: 'too-early' });
    const before = await api.get('/v1/activities/act-1001/users/e1/explain');
    expect(before.body.summary).toMatch(
      /e1 holds no asset\. No offer is prepared\. The last event, too-early on home_banner, was rejected by check-event/,
    );
    expect(before.body.events[0].decidedBy).toMatchObject({ processor: 'check-event', status: 'stopped' });

    await prepare(api, 'e1');
    await api.post('/v1/channels/home_banner/events', { userId: 'e1', eventId: 'click' });
    const after = await api.get('/v1/activities/act-1001/users/e1/explain');
    expect(after.body.summary).toMatch(/^e1 holds usable asset .* by event click/);
    const [latest] = after.body.events;
    expect(latest).toMatchObject({
      eventId: 'click',
      status: 'issued',
      decidedBy: { processor: 'send-benefit' },
      lock: { fence: expect.any(Number) },
    });
    expect(latest.decidedBy.notes).toMatchObject({ idempotencyKey: 'act-1001:e1:0', ledger: 'issued' });
    const inputs = Object.fromEntries(latest.inputs.map((i: { processor: string; notes: unknown }) => [i.processor, i.notes]));
    expect(inputs['query-asset']).toMatchObject({ assetsHeld: 0, perUser: 1 });
    expect(after.body.events.map((e: { eventId: string }) => e.eventId)).toContain('browse_3_items:e1-v2');
  });

  it('shows the rule verdicts that rejected an event', async () => {
    api = await startApi();
    const activity = (await api.app.activities.get('act-1001')) as any;
    await api.app.admin.publish({ ...activity, rules: [{ path: 'platform', op: 'in', value: ['ios', 'android'] }] });
    await prepare(api, 'r1');
    const outcome = (await api.post('/v1/channels/home_banner/events', { userId: 'r1', payload: { platform: 'web' } })).body.outcomes[0];
    expect(outcome).toMatchObject({
      status: 'rejected',
      reason: 'rule failed: payload.platform must be one of ["ios","android"] (got "web")',
    });
    const explained = await api.get('/v1/activities/act-1001/users/r1/explain');
    expect(explained.body.events[0].decidedBy.notes.verdicts).toEqual([
      { rule: 'payload.platform must be one of ["ios","android"]', actual: 'web', passed: false },
    ]);
  });
});

describe('versions and rollout', () => {
  const users = Array.from({ length: 200 }, (_, i) => `ro-${i}`);

  it('runs the rollout version for a sticky share of users and pins each instance to the version that prepared it', async () => {
    api = await startApi();
    const running = api;
    const started = await put(running, '/v1/activities/act-1001/rollout', { template: 'item-promotion@2.0', percent: 30 });
    expect(started.status).toBe(200);
    for (const user of users) await prepare(running, user);
    const canary = users.filter((u) => rolloutBucket('act-1001', u) < 30);
    expect(canary.length).toBeGreaterThan(30);
    expect(canary.length).toBeLessThan(90);
    for (const user of users) {
      const prepared = (await running.get(`/v1/activities/act-1001/users/${user}`)).body.prepared;
      expect(prepared.template).toBe(canary.includes(user) ? 'item-promotion@2.0' : 'item-promotion@3.0');
    }

    // Widen the rollout to everyone: instances prepared by 3.0 are still issued by 3.0.
    await put(running, '/v1/activities/act-1001/rollout', { template: 'item-promotion@2.0', percent: 100 });
    const outcomes = await Promise.all(users.map((user) => running.post('/v1/channels/home_banner/events', { userId: user })));
    for (const [i, user] of users.entries()) {
      const outcome = outcomes[i]?.body.outcomes[0];
      expect(outcome.status).toBe('issued');
      expect(outcome.template).toBe(canary.includes(user) ? 'item-promotion@2.0' : 'item-promotion@3.0');
    }
    const trace = await running.get(`/v1/events/${outcomes[0]?.body.eventId}/trace`);
    expect(trace.body.chains[0].template).toBe(outcomes[0]?.body.outcomes[0].template);
  });

  it('rollback is one call: everyone runs the activity template again', async () => {
    api = await startApi();
    await put(api, '/v1/activities/act-1001/rollout', { template: 'item-promotion@2.0', percent: 100 });
    await prepare(api, 'rb');
    expect((await api.get('/v1/activities/act-1001/users/rb')).body.prepared.template).toBe('item-promotion@2.0');
    const rolledBack = await fetch(`${api.url}/v1/activities/act-1001/rollout`, { method: 'DELETE' });
    expect(rolledBack.status).toBe(200);
    expect(((await rolledBack.json()) as any).rollout).toBeUndefined();
    const outcome = (await api.post('/v1/channels/home_banner/events', { userId: 'rb' })).body.outcomes[0];
    expect(outcome.template).toBe('item-promotion@3.0');
  });

  it('refuses a rollout to an unknown version or a bad percentage, naming the field', async () => {
    api = await startApi();
    const unknown = await put(api, '/v1/activities/act-1001/rollout', { template: 'item-promotion@9.0', percent: 10 });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details[0]).toMatchObject({ path: 'body.rollout.template' });
    const percent = await put(api, '/v1/activities/act-1001/rollout', { template: 'item-promotion@2.0', percent: 120 });
    expect(percent.body.error.details[0]).toEqual({ path: 'body.percent', message: 'expected a percentage from 0 to 100' });
    const missing = await put(api, '/v1/activities/nope/rollout', { template: 'item-promotion@2.0', percent: 10 });
    expect(missing.status).toBe(404);
  });
});
