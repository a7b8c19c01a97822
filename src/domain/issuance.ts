import { type Asset, isUsable } from './asset.js';
import type { IssueRequest, IssueResult } from './ports/rights-ledger.js';

/**
 * The ledger's checks before any stock is taken, in the port's order: the key already used, a
 * usable asset held, the per-user bound. `known` holds the user's assets from the activity and any
 * asset written under the request's key. Undefined means: go on and take stock.
 */
export function refusalBeforeStock(request: IssueRequest, known: readonly Asset[]): IssueResult | undefined {
  const keyed = known.find((asset) => asset.idempotencyKey === request.idempotencyKey);
  if (keyed) return { kind: 'existing', asset: keyed };
  const held = known.filter((asset) => asset.activityId === request.activityId && asset.userId === request.userId);
  const usable = held.find((asset) => isUsable(asset, request.nowMs));
  if (usable) return { kind: 'held', asset: usable };
  if (held.length >= request.perUser) return { kind: 'limit_reached', held: held.length };
  return undefined;
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
