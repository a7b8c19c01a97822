import { describe, expect, it } from 'vitest';
import { isTimeZone, periodBounds } from '../../src/domain/calendar-period.js';

const at = (iso: string) => Date.parse(iso);
const bounds = (iso: string, period: 'day' | 'week' | 'month', zone: string) => {
  const { startMs, endMs } = periodBounds(at(iso), period, zone);
  return { start: new Date(startMs).toISOString(), end: new Date(endMs).toISOString() };
};

describe('calendar periods in a time zone', () => {
  it('a day in Asia/Shanghai runs from 16:00Z to 16:00Z: 15:59:59Z and 16:00Z fall on different days', () => {
    expect(bounds('2026-03-01T15:59:59.999Z', 'day', 'Asia/Shanghai')).toEqual({
      start: '2026-02-28T16:00:00.000Z',
      end: '2026-03-01T16:00:00.000Z',
    });
    expect(bounds('2026-03-01T16:00:00.000Z', 'day', 'Asia/Shanghai')).toEqual({
      start: '2026-03-01T16:00:00.000Z',
      end: '2026-03-02T16:00:00.000Z',
    });
  });

  it('weeks start on Monday at local midnight', () => {
    // 2026-03-01 is a Sunday: in Shanghai it is already Monday 2 March at 16:00Z.
    expect(bounds('2026-03-01T12:00:00Z', 'week', 'Asia/Shanghai')).toEqual({
      start: '2026-02-22T16:00:00.000Z',
      end: '2026-03-01T16:00:00.000Z',
    });
    expect(bounds('2026-03-01T16:30:00Z', 'week', 'Asia/Shanghai').start).toBe('2026-03-01T16:00:00.000Z');
    expect(bounds('2026-03-04T00:00:00Z', 'week', 'UTC')).toEqual({ start: '2026-03-02T00:00:00.000Z', end: '2026-03-09T00:00:00.000Z' });
  });

  it('months start on the 1st, across a year end', () => {
    expect(bounds('2026-12-31T20:00:00Z', 'month', 'Asia/Shanghai')).toEqual({
      start: '2026-12-31T16:00:00.000Z',
      end: '2027-01-31T16:00:00.000Z',
    });
    expect(bounds('2026-02-10T00:00:00Z', 'month', 'UTC')).toEqual({ start: '2026-02-01T00:00:00.000Z', end: '2026-03-01T00:00:00.000Z' });
  });

  it('a day across a DST change is 23 or 25 hours, as the zone lives it', () => {
    // Europe/Berlin springs forward on 2026-03-29 and falls back on 2026-10-25.
    expect(bounds('2026-03-29T12:00:00Z', 'day', 'Europe/Berlin')).toEqual({
      start: '2026-03-28T23:00:00.000Z',
      end: '2026-03-29T22:00:00.000Z',
    });
    expect(bounds('2026-10-25T12:00:00Z', 'day', 'Europe/Berlin')).toEqual({
      start: '2026-10-24T22:00:00.000Z',
      end: '2026-10-25T23:00:00.000Z',
    });
    // America/Santiago skips local midnight on 2026-09-06 (00:00 becomes 01:00): the day starts after the gap.
    expect(bounds('2026-09-06T12:00:00Z', 'day', 'America/Santiago').start).toBe('2026-09-06T04:00:00.000Z');
  });

  it('knows IANA zone names', () => {
    expect(isTimeZone('Asia/Shanghai')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });
});
