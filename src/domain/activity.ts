import type { CalendarPeriod } from './calendar-period.js';
import type { TemplateRef } from './template-ref.js';

export type ActivityStatus = 'active' | 'paused' | 'ended';

/** What the activity hands out: a pool of stock, a bound per user and how long an asset stays usable. */
export interface Benefit {
  readonly pool: string;
  readonly stock: number;
  readonly perUser: number;
  readonly validForMs: number;
  /** Slot rows holding the stock; unset: derived from the stock (defaultStockShards). */
  readonly stockShards?: number;
  /** A frequency cap: at most `count` issuances to one user per calendar period, in the activity's time zone. */
  readonly perUserPer?: PerUserPerPeriod;
}

/** `count` issuances to one user per calendar `period` as `timeZone` (IANA) counts days, weeks and months. */
export interface PerUserPerPeriod {
  readonly count: number;
  readonly period: CalendarPeriod;
  readonly timeZone: string;
}

/** Caps on how often one user may act on the activity, checked before its chain runs. */
export interface ActivityLimits {
  /** At most `count` clicks (resource-position events) of one user within a sliding `withinMs`. */
  readonly clicksPerUser?: { readonly count: number; readonly withinMs: number };
}

/**
 * A condition on the resource-position event, checked by `rule-check`: the value at `path` in the
 * event payload must satisfy `op`. Rules keep plays configurable without code.
 */
export interface EventRule {
  readonly path: string;
  readonly op: 'eq' | 'ne' | 'in' | 'gte' | 'lte' | 'exists';
  readonly value?: unknown;
}

/** Runs `template` for `percent` of the activity's users instead of the activity's own template. */
export interface Rollout {
  readonly template: TemplateRef;
  readonly percent: number;
}

/** Aggregate root of a play: which template runs it, on which channels, when, and what it gives. */
export interface Activity {
  readonly id: string;
  readonly name: string;
  readonly template: TemplateRef;
  /** Another version of the play for a sticky share of the users; the rest run `template`. */
  readonly rollout?: Rollout;
  readonly channels: readonly string[];
  readonly window: { readonly startMs: number; readonly endMs: number };
  readonly status: ActivityStatus;
  readonly rules: readonly EventRule[];
  readonly benefit: Benefit;
  /** How long prepared data stays usable after the behavior that produced it. */
  readonly preparedTtlMs: number;
  /** Overrides the template's lock policy; undefined keeps the template's choice. */
  readonly lock?: boolean;
  readonly params: Readonly<Record<string, unknown>>;
  readonly limits?: ActivityLimits;
}

export function isLive(activity: Activity, nowMs: number): boolean {
  return activity.status === 'active' && nowMs >= activity.window.startMs && nowMs < activity.window.endMs;
}

export function isBoundTo(activity: Activity, channelCode: string): boolean {
  return activity.channels.includes(channelCode);
}
