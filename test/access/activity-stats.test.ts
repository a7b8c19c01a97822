import { afterEach, describe, expect, it } from 'vitest';
import type { InProcessBroker } from '../../src/infra/memory/in-process-broker.js';
import { realBackendsEnv } from '../support/real-backends.js';
import { type RunningApi, startApi } from '../support/sample-app.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let api: RunningApi | undefined;
let cleanUp: (() => Promise<void>) | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
  await cleanUp?.();
  cleanUp = undefined;
});

/** A clock the test moves: issuance and expiry are evaluated against it. */
function movableClock(startMs: number) {
  let nowMs = startMs;
  return {
    nowMs: () => nowMs,
    advance(ms: number) {
      nowMs += ms;
    },
  };
}

async function prepare(running: RunningApi, userId: string): Promise<void> {
  for (const [i, itemId] of ['sku-001', 'sku-002', 'sku-001'].entries()) {
    expect((await running.post('/v1/behaviors', { userId, type: 'item_view', itemId, eventId: `${userId}-v${i}` })).status).toBe(202);
  }
  await (running.app.broker as InProcessBroker).drained();
}

const click = (running: RunningApi, userId: string, eventId: string) =>
  running.post('/v1/channels/home_banner/events', { userId, eventId });

const BACKENDS = [
  { name: 'embedded (memory)', records: 'memory', env: () => ({ env: {}, cleanUp: async () => {} }) },
  { name: 'Redis + PostgreSQL', records: 'postgres', env: () => realBackendsEnv('stats') },
];

describe.each(BACKENDS)('GET /v1/activities/:id/stats on $name', ({ env, records }) => {
  async function start(clock: { nowMs(): number }) {
    const backends = env();
    cleanUp = backends.cleanUp;
    api = await startApi({ env: backends.env, clock });
    expect(api.app.backends.records).toBe(records);
    return api;
  }

  it('counts the sample play after a few clicks and a redemption: per version, by reason, with stock and a series', async () => {
    const clock = movableClock(Date.now());
    const running = await start(clock);
    await prepare(running, 'u1');
    await prepare(running, 'u2');
    const first = await click(running, 'u1', 'c1');
    expect(first.body.outcomes[0].status).toBe('issued');
    expect((await click(running, 'u1', 'c1')).body.outcomes[0].status).toBe('issued'); // a retry issues nothing new
    expect((await click(running, 'u1', 'c2')).body.outcomes[0].status).toBe('existing');
    expect((await click(running, 'u2', 'c3')).body.outcomes[0].status).toBe('issued');
    expect((await click(running, 'nobody', 'c4')).body.outcomes[0].status).toBe('rejected');
    expect((await running.post(`/v1/assets/${first.body.outcomes[0].asset.id}/redeem`, {})).status).toBe(200);

    const stats = await running.get('/v1/activities/act-1001/stats');
    expect(stats.status).toBe(200);
    const counts = { issued: 2, redeemed: 1, expired: 0, rejected: { no_prepared_offer: 1 }, failed: 0, redemptionRate: 0.5 };
    expect(stats.body).toMatchObject({
      activityId: 'act-1001',
      bucket: 'day',
      totals: counts,
      versions: [{ templateId: 'item-promotion', version: '3.0', ...counts }],
      stock: { total: 1000, remaining: 998 },
    });
    // The last 7 days by day: whole UTC days, the current one included.
    expect(stats.body.series).toHaveLength(8);
    expect(Date.parse(stats.body.to) - Date.parse(stats.body.from)).toBe(8 * DAY);
    expect(stats.body.series.reduce((sum: number, point: { issued: number }) => sum + point.issued, 0)).toBe(2);
    expect(stats.body.series.at(-1)).toMatchObject({ issued: 2, redeemed: 1 });

    // A short range is hourly, and the hour of the clicks holds them.
    const from = new Date(clock.nowMs() - HOUR).toISOString();
    const hourly = await running.get(`/v1/activities/act-1001/stats?from=${from}`);
    expect(hourly.body.bucket).toBe('hour');
    expect(hourly.body.series.at(-1)).toEqual({
      at: new Date(Math.floor(clock.nowMs() / HOUR) * HOUR).toISOString(),
      issued: 2,
      redeemed: 1,
    });
    const daily = await running.get(`/v1/activities/act-1001/stats?from=${from}&bucket=day`);
    expect(daily.body).toMatchObject({ bucket: 'day', totals: { issued: 2 } });

    // u2's coupon (7 days) expires unused; it counts once its expiry hour is over.
    clock.advance(7 * DAY + HOUR);
    const later = await running.get('/v1/activities/act-1001/stats');
    expect(later.body.totals).toMatchObject({ issued: 2, redeemed: 1, expired: 1 });
  });

  it('refuses bad ranges and buckets with a 400 naming the field, and an unknown activity with a 404', async () => {
    const running = await start(movableClock(Date.now()));
    const bad = async (query: string, path: string) => {
      const response = await running.get(`/v1/activities/act-1001/stats?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    };
    await bad('from=yesterday', 'query.from');
    await bad('to=2026-13-01T00:00:00Z', 'query.to');
    await bad('bucket=week', 'query.bucket');
    await bad('from=2026-01-01T00:00:00Z&to=2026-06-01T00:00:00Z', 'query.from');
    await bad('from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'query.from');
    await bad('limit=3', 'query');
    const ok = await running.get('/v1/activities/act-1001/stats?from=2026-01-01T00:00:00Z&to=2026-04-02T00:00:00Z');
    expect(ok.status).toBe(200);
    expect(ok.body.series).toHaveLength(91);
    expect((await running.get('/v1/activities/no-such/stats')).status).toBe(404);
  });
});

describe('stats shared by processes on one PostgreSQL schema', () => {
  it("one process answers with another's outcomes once that process has appended them (within a second)", async () => {
    const backends = realBackendsEnv('stats_shared');
    cleanUp = backends.cleanUp;
    const clicker = await startApi({ env: backends.env });
    api = clicker;
    const reader = await startApi({ env: backends.env });
    try {
      await prepare(clicker, 'u1');
      expect((await click(clicker, 'u1', 'shared-1')).body.outcomes[0].status).toBe('issued');
      expect((await click(clicker, 'nobody', 'shared-2')).body.outcomes[0].status).toBe('rejected');
      await expect
        .poll(async () => (await reader.get('/v1/activities/act-1001/stats')).body.totals, { timeout: 10_000 })
        .toMatchObject({ issued: 1, rejected: { no_prepared_offer: 1 } });
    } finally {
      await reader.close();
    }
  });
});
