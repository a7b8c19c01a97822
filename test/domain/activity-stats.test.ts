import { describe, expect, it } from 'vitest';
import { buildActivityStats, DAY_MS, HOUR_MS, statsWindow } from '../../src/domain/activity-stats.js';
import type { HourlyOutcomeCount } from '../../src/domain/ports/outcome-log.js';

const NOW = Date.parse('2026-03-10T10:30:00Z');

describe('the stats window', () => {
  it('defaults to the last 7 days by day, whole UTC days', () => {
    expect(statsWindow({}, NOW)).toEqual({
      window: { fromMs: Date.parse('2026-03-03T00:00:00Z'), toMs: Date.parse('2026-03-11T00:00:00Z'), bucket: 'day' },
    });
  });

  it('is hourly up to 2 days, and a bucket asked for wins', () => {
    expect(statsWindow({ fromMs: NOW - 2 * DAY_MS }, NOW)).toMatchObject({
      window: { bucket: 'hour', toMs: Date.parse('2026-03-10T11:00:00Z') },
    });
    expect(statsWindow({ fromMs: NOW - 2 * DAY_MS - 1 }, NOW)).toMatchObject({ window: { bucket: 'day' } });
    expect(statsWindow({ fromMs: NOW - 30 * DAY_MS, bucket: 'hour' }, NOW)).toMatchObject({ window: { bucket: 'hour' } });
  });

  it('refuses an empty or reversed range and one over 92 days, naming query.from', () => {
    expect(statsWindow({ fromMs: NOW, toMs: NOW }, NOW)).toEqual({ issues: [{ path: 'query.from', message: 'must be before to' }] });
    expect(statsWindow({ fromMs: NOW - 92 * DAY_MS }, NOW)).toHaveProperty('window');
    expect(statsWindow({ fromMs: NOW - 92 * DAY_MS - 1 }, NOW)).toEqual({
      issues: [{ path: 'query.from', message: 'the range from..to must be at most 92 days' }],
    });
  });
});

describe('the stats answer', () => {
  const hour = (iso: string) => Date.parse(iso);
  const row = (over: Partial<HourlyOutcomeCount>): HourlyOutcomeCount => ({
    templateId: 'promo',
    version: '1.0',
    hourMs: hour('2026-03-10T08:00:00Z'),
    status: 'issued',
    reason: '',
    count: 1,
    ...over,
  });
  const window = { fromMs: hour('2026-03-10T00:00:00Z'), toMs: hour('2026-03-11T00:00:00Z'), bucket: 'hour' as const };

  it('sums versions into totals, fills every bucket and counts expiry only for hours that are over', () => {
    const stats = buildActivityStats({
      activityId: 'a1',
      window,
      nowMs: NOW,
      stock: { total: 10, remaining: 6 },
      hourly: [
        row({ count: 3 }),
        row({ version: '2.0', count: 1, hourMs: hour('2026-03-10T09:00:00Z') }),
        row({ status: 'redeemed', count: 2, hourMs: hour('2026-03-10T09:00:00Z') }),
        row({ status: 'rejected', reason: 'out_of_stock', count: 4 }),
        row({ version: '2.0', status: 'rejected', reason: 'out_of_stock', count: 1 }),
        row({ status: 'expiring', count: 1, hourMs: hour('2026-03-10T09:00:00Z') }),
        row({ status: 'expiring', count: 5, hourMs: hour('2026-03-10T10:00:00Z') }), // the current hour: not yet certain
        row({ status: 'failed', reason: 'send-benefit', count: 1 }),
        row({ count: 100, hourMs: hour('2026-03-11T00:00:00Z') }), // outside the window
      ],
    });
    expect(stats.totals).toEqual({ issued: 4, redeemed: 2, expired: 1, rejected: { out_of_stock: 5 }, failed: 1, redemptionRate: 0.5 });
    expect(stats.versions.map((v) => [v.version, v.issued, v.redemptionRate])).toEqual([
      ['1.0', 3, 2 / 3],
      ['2.0', 1, 0],
    ]);
    expect(stats.series).toHaveLength(24);
    expect(stats.series[8]).toEqual({ at: '2026-03-10T08:00:00.000Z', issued: 3, redeemed: 0 });
    expect(stats.series[9]).toEqual({ at: '2026-03-10T09:00:00.000Z', issued: 1, redeemed: 2 });
    expect(stats).toMatchObject({ from: '2026-03-10T00:00:00.000Z', to: '2026-03-11T00:00:00.000Z', stock: { total: 10, remaining: 6 } });
  });

  it('puts hours into day buckets, and never answers a rate above 1', () => {
    const stats = buildActivityStats({
      activityId: 'a1',
      window: { fromMs: hour('2026-03-09T00:00:00Z'), toMs: hour('2026-03-11T00:00:00Z'), bucket: 'day' },
      nowMs: NOW,
      stock: null,
      hourly: [row({ hourMs: hour('2026-03-09T23:00:00Z') }), row({ status: 'redeemed', count: 3 })],
    });
    expect(stats.series).toEqual([
      { at: '2026-03-09T00:00:00.000Z', issued: 1, redeemed: 0 },
      { at: '2026-03-10T00:00:00.000Z', issued: 0, redeemed: 3 },
    ]);
    expect(stats.totals.redemptionRate).toBe(1);
    expect(HOUR_MS * 24).toBe(DAY_MS);
  });
});
