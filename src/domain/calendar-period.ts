/** A calendar period as an activity's time zone sees it. Weeks start on Monday (ISO 8601). */
export type CalendarPeriod = 'day' | 'week' | 'month';

export const CALENDAR_PERIODS: readonly CalendarPeriod[] = ['day', 'week', 'month'];

/** The instants a period covers: from `startMs` (inclusive) to `endMs` (exclusive). */
export interface PeriodBounds {
  readonly startMs: number;
  readonly endMs: number;
}

interface LocalDate {
  readonly year: number;
  /** 1-12 */
  readonly month: number;
  readonly day: number;
}

// One formatter per zone: building an Intl.DateTimeFormat costs far more than using one.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Whether Intl knows `timeZone` as an IANA zone name (such as Asia/Shanghai or UTC). */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock fields of `instantMs` in `timeZone`, as if they were UTC (so they can be compared). */
function wallClockMs(instantMs: number, timeZone: string): number {
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(instantMs)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = fields;
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

/** How far `timeZone` is ahead of UTC at `instantMs`, in ms (to the second, as zones are). */
function offsetMs(instantMs: number, timeZone: string): number {
  const wholeSecond = Math.floor(instantMs / 1000) * 1000;
  return wallClockMs(wholeSecond, timeZone) - wholeSecond;
}

/**
 * The first instant of local midnight on `date` in `timeZone`. The offset is looked up twice: once
 * at a guess, once at the instant that guess gives, which settles it on either side of a DST
 * change. Where a zone skips midnight itself, the day starts at the first instant after the gap.
 */
function startOfLocalDay(date: LocalDate, timeZone: string): number {
  const asUtc = Date.UTC(date.year, date.month - 1, date.day);
  const first = asUtc - offsetMs(asUtc, timeZone);
  const second = asUtc - offsetMs(first, timeZone);
  if (second === first) return first;
  // The two offsets disagree only around a change: take the later candidate still on that date.
  const candidates = [first, second].sort((a, b) => a - b);
  return candidates.find((candidate) => sameLocalDate(candidate, date, timeZone)) ?? (candidates[1] as number);
}

function localDate(instantMs: number, timeZone: string): LocalDate {
  const wall = new Date(wallClockMs(instantMs, timeZone));
  return { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate() };
}

function sameLocalDate(instantMs: number, date: LocalDate, timeZone: string): boolean {
  const local = localDate(instantMs, timeZone);
  return local.year === date.year && local.month === date.month && local.day === date.day;
}

/** `date` moved by whole days or months on the calendar (Date.UTC normalises overflow). */
function shifted(date: LocalDate, by: { days?: number; months?: number }): LocalDate {
  const moved = new Date(Date.UTC(date.year, date.month - 1 + (by.months ?? 0), date.day + (by.days ?? 0)));
  return { year: moved.getUTCFullYear(), month: moved.getUTCMonth() + 1, day: moved.getUTCDate() };
}

/**
 * The calendar `period` that holds `instantMs` in `timeZone`: from its local midnight start to the
 * next period's start. A day is 23 or 25 hours long across a DST change, as the zone's users live it.
 */
export function periodBounds(instantMs: number, period: CalendarPeriod, timeZone: string): PeriodBounds {
  const today = localDate(instantMs, timeZone);
  let first: LocalDate;
  let next: LocalDate;
  switch (period) {
    case 'day':
      first = today;
      next = shifted(today, { days: 1 });
      break;
    case 'week': {
      // getUTCDay: Sunday 0 … Saturday 6; days since Monday: Monday 0 … Sunday 6.
      const sinceMonday = (new Date(Date.UTC(today.year, today.month - 1, today.day)).getUTCDay() + 6) % 7;
      first = shifted(today, { days: -sinceMonday });
      next = shifted(first, { days: 7 });
      break;
    }
    case 'month':
      first = { ...today, day: 1 };
      next = shifted(first, { months: 1 });
      break;
  }
  return { startMs: startOfLocalDay(first, timeZone), endMs: startOfLocalDay(next, timeZone) };
}
