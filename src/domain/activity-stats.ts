import type { ErrorDetail } from './errors.js';
import type { HourlyOutcomeCount } from './ports/outcome-log.js';

export type StatsBucket = 'hour' | 'day';

export const HOUR_MS = 60 * 60 * 1000;
export const DAY_MS = 24 * HOUR_MS;
export const DEFAULT_STATS_RANGE_MS = 7 * DAY_MS;
export const MAX_STATS_RANGE_MS = 92 * DAY_MS;
/** Up to this range the default bucket is an hour (at most 48 points), beyond it a day. */
export const HOURLY_DEFAULT_MAX_RANGE_MS = 2 * DAY_MS;

/** A stats request as asked; every field optional. */
export interface StatsRequest {
  readonly fromMs?: number;
  readonly toMs?: number;
  readonly bucket?: StatsBucket;
}

/** The window counted: whole buckets (UTC), `from` rounded down and `to` up to the bucket. */
export interface StatsWindow {
  readonly fromMs: number;
  readonly toMs: number;
  readonly bucket: StatsBucket;
}

/**
 * Defaults (the last 7 days; hourly for ranges up to 2 days, else daily) and the checks, each
 * problem naming its query field. The range is checked as asked, before rounding to buckets.
 */
export function statsWindow(request: StatsRequest, nowMs: number): { window: StatsWindow } | { issues: ErrorDetail[] } {
  const toMs = request.toMs ?? nowMs;
  const fromMs = request.fromMs ?? toMs - DEFAULT_STATS_RANGE_MS;
  const issues: ErrorDetail[] = [];
  if (fromMs >= toMs) issues.push({ path: 'query.from', message: 'must be before to' });
  else if (toMs - fromMs > MAX_STATS_RANGE_MS) issues.push({ path: 'query.from', message: 'the range from..to must be at most 92 days' });
  if (issues.length > 0) return { issues };
  const bucket = request.bucket ?? (toMs - fromMs <= HOURLY_DEFAULT_MAX_RANGE_MS ? 'hour' : 'day');
  const size = bucketMs(bucket);
  return { window: { fromMs: Math.floor(fromMs / size) * size, toMs: Math.ceil(toMs / size) * size, bucket } };
}

export function bucketMs(bucket: StatsBucket): number {
  return bucket === 'hour' ? HOUR_MS : DAY_MS;
}

export interface OutcomeCounts {
  readonly issued: number;
  readonly redeemed: number;
  /** Assets whose expiry fell in an hour of the window that has ended, and were not redeemed. */
  readonly expired: number;
  readonly rejected: Readonly<Record<string, number>>;
  readonly failed: number;
  /** Redeemed / issued in the window, at most 1 (0 when nothing was issued). */
  readonly redemptionRate: number;
}

export interface VersionCounts extends OutcomeCounts {
  readonly templateId: string;
  readonly version: string;
}

export interface ActivityStats {
  readonly activityId: string;
  readonly from: string;
  readonly to: string;
  readonly bucket: StatsBucket;
  readonly totals: OutcomeCounts;
  readonly versions: readonly VersionCounts[];
  readonly stock: { readonly total: number; readonly remaining: number } | null;
  /** Every bucket of the window, oldest first, empty ones included: the burn-down. */
  readonly series: readonly { readonly at: string; readonly issued: number; readonly redeemed: number }[];
}

interface Tally {
  issued: number;
  redeemed: number;
  expired: number;
  failed: number;
  rejected: Record<string, number>;
}

/** Folds hourly counts into the stats answer: totals, per version, and the series by bucket. */
export function buildActivityStats(input: {
  readonly activityId: string;
  readonly window: StatsWindow;
  readonly hourly: readonly HourlyOutcomeCount[];
  readonly stock: { readonly total: number; readonly remaining: number } | null;
  readonly nowMs: number;
}): ActivityStats {
  const { window, nowMs } = input;
  const size = bucketMs(window.bucket);
  const byVersion = new Map<string, { templateId: string; version: string; tally: Tally }>();
  const series = new Map<number, { issued: number; redeemed: number }>();
  for (let at = window.fromMs; at < window.toMs; at += size) series.set(at, { issued: 0, redeemed: 0 });
  for (const row of input.hourly) {
    if (row.hourMs < window.fromMs || row.hourMs >= window.toMs) continue;
    const key = `${row.templateId}@${row.version}`;
    let entry = byVersion.get(key);
    if (!entry) {
      entry = { templateId: row.templateId, version: row.version, tally: emptyTally() };
      byVersion.set(key, entry);
    }
    const { tally } = entry;
    const point = series.get(Math.floor(row.hourMs / size) * size);
    switch (row.status) {
      case 'issued':
        tally.issued += row.count;
        if (point) point.issued += row.count;
        break;
      case 'redeemed':
        tally.redeemed += row.count;
        if (point) point.redeemed += row.count;
        break;
      case 'expiring':
        // Only an hour that is over is certain: its assets expired unless redeemed before.
        if (row.hourMs + HOUR_MS <= nowMs) tally.expired += row.count;
        break;
      case 'rejected':
        tally.rejected[row.reason] = (tally.rejected[row.reason] ?? 0) + row.count;
        break;
      case 'failed':
        tally.failed += row.count;
        break;
    }
  }
  const versions = [...byVersion.values()]
    .sort((a, b) => a.templateId.localeCompare(b.templateId) || a.version.localeCompare(b.version, undefined, { numeric: true }))
    .map(({ templateId, version, tally }) => ({ templateId, version, ...toCounts(tally) }));
  const total = emptyTally();
  for (const { tally } of byVersion.values()) {
    total.issued += tally.issued;
    total.redeemed += tally.redeemed;
    total.expired += Math.max(0, tally.expired);
    total.failed += tally.failed;
    for (const [reason, count] of Object.entries(tally.rejected)) total.rejected[reason] = (total.rejected[reason] ?? 0) + count;
  }
  return {
    activityId: input.activityId,
    from: new Date(window.fromMs).toISOString(),
    to: new Date(window.toMs).toISOString(),
    bucket: window.bucket,
    totals: toCounts(total),
    versions,
    stock: input.stock,
    series: [...series].map(([at, point]) => ({ at: new Date(at).toISOString(), ...point })),
  };
}

function emptyTally(): Tally {
  return { issued: 0, redeemed: 0, expired: 0, failed: 0, rejected: {} };
}

function toCounts(tally: Tally): OutcomeCounts {
  return {
    issued: tally.issued,
    redeemed: tally.redeemed,
    // A redemption of an asset whose issuance was recorded in another version cannot take it
    // below zero; a negative count would only mean a lost issuance record.
    expired: Math.max(0, tally.expired),
    rejected: tally.rejected,
    failed: tally.failed,
    redemptionRate: tally.issued === 0 ? 0 : Math.min(1, tally.redeemed / tally.issued),
  };
}
