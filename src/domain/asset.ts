export type AssetStatus = 'active' | 'redeemed' | 'expired';

/** A benefit held by one user, e.g. a coupon. Written once by the rights ledger. */
export interface Asset {
  readonly id: string;
  readonly activityId: string;
  readonly userId: string;
  readonly pool: string;
  readonly status: AssetStatus;
  readonly issuedAt: string;
  readonly expiresAt: string;
  readonly redeemedAt?: string;
  readonly idempotencyKey: string;
  /** The event that caused the issuance, so a retried event is answered with the same asset. */
  readonly eventId: string;
}

/** An active asset past its expiry is expired, whether or not a sweeper has written that yet. */
export function effectiveStatus(asset: Asset, nowMs: number): AssetStatus {
  if (asset.status === 'active' && Date.parse(asset.expiresAt) <= nowMs) return 'expired';
  return asset.status;
}

export function withEffectiveStatus(asset: Asset, nowMs: number): Asset {
  const status = effectiveStatus(asset, nowMs);
  return status === asset.status ? asset : { ...asset, status };
}

export function isUsable(asset: Asset, nowMs: number): boolean {
  return effectiveStatus(asset, nowMs) === 'active';
}

/** The public shape of an asset in the HTTP contract. */
export function toPublicAsset(asset: Asset, nowMs: number) {
  const { id, activityId, userId, issuedAt, expiresAt, idempotencyKey } = asset;
  return { id, activityId, userId, status: effectiveStatus(asset, nowMs), issuedAt, expiresAt, idempotencyKey };
}
