import { afterEach, describe, expect, it } from 'vitest';
import type { InProcessBroker } from '../../src/infra/memory/in-process-broker.js';
import { realBackendsEnv } from '../support/real-backends.js';
import { type RunningApi, startApi } from '../support/sample-app.js';

let api: RunningApi | undefined;
let cleanUp: (() => Promise<void>) | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
  await cleanUp?.();
  cleanUp = undefined;
});

const BACKENDS = [
  { name: 'embedded (memory)', state: 'memory', env: () => ({ env: {}, cleanUp: async () => {} }) },
  { name: 'Redis + PostgreSQL', state: 'redis', env: () => realBackendsEnv('live') },
];

describe.each(BACKENDS)('live events, traces and outcome metrics on $name', ({ env, state }) => {
  async function start(): Promise<RunningApi> {
    const backends = env();
    cleanUp = backends.cleanUp;
    api = await startApi({ env: backends.env });
    expect(api.app.backends.state).toBe(state);
    return api;
  }

  async function playSample(running: RunningApi): Promise<void> {
    for (const [i, itemId] of ['sku-001', 'sku-002', 'sku-001'].entries()) {
      await running.post('/v1/behaviors', { userId: 'u1', type: 'item_view', itemId, eventId: `v${i}` });
    }
    await (running.app.broker as InProcessBroker).drained();
    await running.post('/v1/channels/home_banner/events', { userId: 'u1', eventId: 'click-1' });
    await running.post('/v1/channels/home_banner/events', { userId: 'stranger', eventId: 'click-2' });
  }

  it('lists recent events newest first, filtered by channel and status, within the limit', async () => {
    const running = await start();
    await playSample(running);
    // The list is written after the answer, off the event's path.
    await expect.poll(async () => (await running.get('/v1/events/recent')).body.events.length).toBe(3);
    const all = await running.get('/v1/events/recent');
    expect(all.status).toBe(200);
    expect(all.body.events.map((e: { eventId: string }) => e.eventId)).toEqual(['click-2', 'click-1', expect.any(String)]);
    const [rejected, issued, prepared] = all.body.events;
    expect(issued).toMatchObject({ channelCode: 'home_banner', userId: 'u1', activityIds: ['act-1001'], status: 'issued' });
    expect(rejected).toMatchObject({ userId: 'stranger', status: 'rejected' });
    expect(prepared).toMatchObject({ channelCode: 'browse_3_items', status: 'prepared' });
    expect(Number.isNaN(Date.parse(issued.receivedAt))).toBe(false);
    expect(issued.durationMs).toBeGreaterThan(0);

    const filtered = await running.get('/v1/events/recent?channel=home_banner&status=issued');
    expect(filtered.body.events.map((e: { eventId: string }) => e.eventId)).toEqual(['click-1']);
    expect((await running.get('/v1/events/recent?limit=1')).body.events).toHaveLength(1);
    for (const [query, path] of [
      ['limit=0', 'query.limit'],
      ['limit=201', 'query.limit'],
      ['status=great', 'query.status'],
      ['channel=', 'query.channel'],
    ]) {
      const response = await running.get(`/v1/events/recent?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
  });

  it('times every trace step from the start of the event, for a waterfall', async () => {
    const running = await start();
    await playSample(running);
    const trace = await running.get('/v1/events/click-1/trace');
    const [chain] = trace.body.chains;
    expect(chain.offsetMs).toBeGreaterThanOrEqual(0);
    expect(chain.steps.length).toBeGreaterThan(3);
    let previousEnd = chain.offsetMs;
    for (const step of chain.steps) {
      expect(step).toMatchObject({ processor: expect.any(String), status: expect.any(String), durationMs: expect.any(Number) });
      expect(step.offsetMs).toBeGreaterThanOrEqual(previousEnd);
      // Wall time and offset agree: the chain's start plus the step's distance from it.
      expect(Math.abs(Date.parse(step.startedAt) - (Date.parse(chain.startedAt) + step.offsetMs - chain.offsetMs))).toBeLessThanOrEqual(1);
      previousEnd = step.offsetMs + step.durationMs;
    }
    expect(previousEnd).toBeLessThanOrEqual(chain.offsetMs + chain.durationMs + 0.01);
    const rejected = await running.get('/v1/events/click-2/trace');
    expect(rejected.body.chains[0]).toMatchObject({ status: 'rejected', reasonCode: 'no_prepared_offer', decidedBy: 'check-event' });
  });

  it('counts outcomes by activity, template, version and status on /metrics, with no user ids', async () => {
    const running = await start();
    await playSample(running);
    const response = await fetch(`${running.url}/metrics`);
    const text = await response.text();
    const lines = text.split('\n').filter((line) => line.startsWith('strategy_center_activity_outcomes_total{'));
    const value = (status: string) =>
      Number(
        lines
          .find((line) => line.includes(`status="${status}"`) && line.includes('activity="act-1001"'))
          ?.split(' ')
          .at(-1),
      );
    expect(lines.every((line) => line.includes('template="item-promotion"') && line.includes('version="3.0"'))).toBe(true);
    expect(value('issued')).toBe(1);
    expect(value('rejected')).toBe(1);
    expect(value('prepared')).toBe(1);
    expect(text).not.toMatch(/stranger|u1/);
  });
});
