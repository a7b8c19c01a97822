import { type Asset, isUsable } from './asset.js';
import { periodBounds } from './calendar-period.js';
import { issuanceKey, nextRound } from './idempotency-key.js';
import type { IssueRequest, IssueResult, NextIssueRequest, NextIssueResult } from './ports/rights-ledger.js';

/**
 * The ledger's checks before any stock is taken, in the port's order: the key already used, a
 * usable asset held, the per-user bound, the frequency cap. `known` holds the user's assets from the activity and any
 * asset written under the request's key. Undefined means: go on and take stock.
 */
export function refusalBeforeStock(request: IssueRequest, known: readonly Asset[]): IssueResult | undefined {
  const keyed = known.find((asset) => asset.idempotencyKey === request.idempotencyKey);
  if (keyed) return { kind: 'existing', asset: keyed };
  const held = known.filter((asset) => asset.activityId === request.activityId && asset.userId === request.userId);
  const usable = held.find((asset) => isUsable(asset, request.nowMs));
  if (usable) return { kind: 'held', asset: usable };
  if (held.length >= request.perUser) return { kind: 'limit_reached', held: held.length };
  return periodCapRefusal(request, held);
}

/**
 * `benefit.perUserPer`: refused when the user already received `count` assets from the activity
 * in the calendar period holding `nowMs`, in the cap's time zone. The PostgreSQL ledger makes the
 * same count in SQL between the bounds `periodBounds` gives.
 */
export function periodCapRefusal(
  request: Pick<IssueRequest, 'nowMs' | 'perUserPer'>,
  held: readonly Asset[],
): { readonly kind: 'period_limit_reached'; readonly issuedInPeriod: number; readonly periodStart: string } | undefined {
  const cap = request.perUserPer;
  if (!cap) return undefined;
  const { startMs, endMs } = periodBounds(request.nowMs, cap.period, cap.timeZone);
  const issuedInPeriod = held.filter((asset) => {
    const issuedMs = Date.parse(asset.issuedAt);
    return issuedMs >= startMs && issuedMs < endMs;
  }).length;
  if (issuedInPeriod < cap.count) return undefined;
  return { kind: 'period_limit_reached', issuedInPeriod, periodStart: new Date(startMs).toISOString() };
}

/** The asset an issuance writes, active from the request's time for the benefit's validity. */
export function newAsset(request: IssueRequest, id: string): Asset {
  return {
    id,
    activityId: request.activityId,
    userId: request.userId,
    pool: request.pool,
    status: 'active',
    issuedAt: new Date(request.nowMs).toISOString(),
    expiresAt: new Date(request.nowMs + request.validForMs).toISOString(),
    idempotencyKey: request.idempotencyKey,
    eventId: request.eventId,
  };
}

/**
 * The checks of a click's issuance before its key is known, in the port's order: this event's own
 * asset, a usable asset held, the per-user bound, the frequency cap. `held` is every asset the user holds from the
 * activity. Otherwise answers the request to write under the round's key.
 */
export function nextIssueStep(
  request: NextIssueRequest,
  held: readonly Asset[],
): { readonly refusal: NextIssueResult } | { readonly issue: IssueRequest } {
  const assetsHeld = held.length;
  const caused = held.find((asset) => asset.eventId === request.eventId);
  if (caused) return { refusal: { kind: 'caused', asset: caused, assetsHeld } };
  const usable = held.find((asset) => isUsable(asset, request.nowMs));
  if (usable) return { refusal: { kind: 'held', asset: usable, assetsHeld } };
  if (assetsHeld >= request.perUser) return { refusal: { kind: 'limit_reached', held: assetsHeld, assetsHeld } };
  const capped = periodCapRefusal(request, held);
  if (capped) return { refusal: { ...capped, assetsHeld } };
  return { issue: { ...request, idempotencyKey: issuanceKey(request.activityId, request.userId, nextRound(held)) } };
}

/**
 * How many slots hold a pool's stock when the benefit does not say (`benefit.stockShards`).
 * Measured (pgbench on issue_next_asset, bench/README.md): one slot row serializes issuances on its
 * lock, held until commit (a WAL flush), and falls from ~1,900 tps at 4 clients to ~330 at 64; with
 * SKIP LOCKED an issuance never waits while a free slot holds stock, and a process keeps at most
 * LEDGER_CONCURRENCY (8) issuances in flight, so 16 slots leave two processes at full tilt a free
 * slot each. A slot per 50 units keeps small pools from being spread so thin that most slots are
 * empty and issuances scan past them.
 */
export const MAX_DEFAULT_STOCK_SHARDS = 16;
export const UNITS_PER_DEFAULT_SHARD = 50;

export function defaultStockShards(stock: number): number {
  return Math.max(1, Math.min(MAX_DEFAULT_STOCK_SHARDS, Math.floor(stock / UNITS_PER_DEFAULT_SHARD)));
}
