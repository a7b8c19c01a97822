import type { Asset, AssetStatus } from '../../domain/asset.js';

/** The columns every asset query selects, in the shape `pg` returns them. */
export const ASSET_COLUMNS = 'id, activity_id, user_id, pool, status, issued_at, expires_at, redeemed_at, idempotency_key, event_id';

export interface AssetRow {
  id: string;
  activity_id: string;
  user_id: string;
  pool: string;
  /** Constrained by a CHECK to the three domain statuses. */
  status: AssetStatus;
  issued_at: Date;
  expires_at: Date;
  redeemed_at: Date | null;
  idempotency_key: string;
  event_id: string;
}

export function toAsset(row: AssetRow): Asset {
  const asset: Asset = {
    id: row.id,
    activityId: row.activity_id,
    userId: row.user_id,
    pool: row.pool,
    status: row.status,
    issuedAt: row.issued_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    idempotencyKey: row.idempotency_key,
    eventId: row.event_id,
  };
  return row.redeemed_at === null ? asset : { ...asset, redeemedAt: row.redeemed_at.toISOString() };
}
