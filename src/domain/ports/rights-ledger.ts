import type { PerUserPerPeriod } from '../activity.js';
import type { Asset } from '../asset.js';

export interface IssueRequest {
  readonly activityId: string;
  readonly userId: string;
  readonly pool: string;
  readonly perUser: number;
  readonly validForMs: number;
  readonly idempotencyKey: string;
  readonly eventId: string;
  readonly nowMs: number;
  /**
   * The benefit's frequency cap: at most `count` assets to the user within the calendar period
   * holding `nowMs` in the cap's time zone, counted from the user's own asset rows.
   */
  readonly perUserPer?: PerUserPerPeriod;
}

/**
 * The ledger's answer, as a value: only `issued` took stock. `existing` means the idempotency key
 * was already used and returns the asset written under it; `held` means the user already holds a
 * usable asset from this activity (returned), so nothing was issued.
 */
export type IssueResult =
  | { readonly kind: 'issued'; readonly asset: Asset }
  | { readonly kind: 'existing'; readonly asset: Asset }
  | { readonly kind: 'held'; readonly asset: Asset }
  | { readonly kind: 'out_of_stock' }
  | { readonly kind: 'limit_reached'; readonly held: number }
  | { readonly kind: 'period_limit_reached'; readonly issuedInPeriod: number; readonly periodStart: string };

export type RedeemResult =
  | { readonly kind: 'redeemed'; readonly asset: Asset }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'not_usable'; readonly asset: Asset };

/**
 * A click's issuance, decided in one call: the ledger reads the user's assets itself and derives
 * the round's idempotency key (`activity:user:round`, see domain/idempotency-key.ts).
 */
export type NextIssueRequest = Omit<IssueRequest, 'idempotencyKey'>;

/**
 * `caused`: this event's own asset from an earlier answer (a retried click), whatever its status;
 * the other kinds as in IssueResult. `assetsHeld` is how many assets the user held from the
 * activity before the call (undefined when the answer came without reading them);
 * `idempotencyKey` the key written, or found taken, when the call reached the write.
 */
export type NextIssueResult = (IssueResult | { readonly kind: 'caused'; readonly asset: Asset }) & {
  readonly assetsHeld?: number;
  readonly idempotencyKey?: string;
};

export interface PoolStock {
  readonly pool: string;
  readonly total: number;
  readonly remaining: number;
}

/**
 * The rights ledger deducts stock and writes the asset in one atomic step keyed by a unique
 * idempotency key: the same key always yields the same asset, stock and the per-user bound hold
 * under any concurrency, and a failed issuance leaves nothing behind.
 */
export interface RightsLedger {
  /**
   * Creates the pool with `total` stock, or raises/lowers its total keeping what was taken. `shards`
   * (default 1) is how many slots hold the stock; what is left is spread evenly over them.
   */
  ensurePool(pool: string, total: number, shards?: number): Promise<PoolStock>;
  issue(request: IssueRequest): Promise<IssueResult>;
  /**
   * The click path in one atomic step: this event's asset (`caused`), a usable asset (`held`), the
   * per-user bound, then the round's key and stock, in that order.
   */
  issueNext(request: NextIssueRequest): Promise<NextIssueResult>;
  /** The user's assets from the activity, oldest first, with stored status. */
  listAssets(activityId: string, userId: string): Promise<readonly Asset[]>;
  getAsset(assetId: string): Promise<Asset | undefined>;
  redeem(assetId: string, nowMs: number): Promise<RedeemResult>;
  stock(pool: string): Promise<PoolStock | undefined>;
}
