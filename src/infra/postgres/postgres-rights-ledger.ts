import type pg from 'pg';
import type { Asset } from '../../domain/asset.js';
import { periodBounds } from '../../domain/calendar-period.js';
import { InvalidInputError, StrategyCenterError } from '../../domain/errors.js';
import type {
  IssueRequest,
  IssueResult,
  NextIssueRequest,
  NextIssueResult,
  PoolStock,
  RedeemResult,
  RightsLedger,
} from '../../domain/ports/rights-ledger.js';
import { ASSET_COLUMNS, type AssetRow, toAsset } from './asset-row.js';
import type { PgRunner } from './pg-runner.js';
import { isoAt, isUuid } from './sql-values.js';

interface PoolRow {
  id: string;
  total: number;
  remaining: number;
}

/** `integer` columns hold stock; a larger total would fail inside PostgreSQL with a less clear error. */
const MAX_STOCK = 2_147_483_647;
/** Past this, more slots only make resizing and the empty-pool scan longer (config allows 256). */
const MAX_SHARDS = 1024;

/**
 * The rights ledger on PostgreSQL. Issuance is one transaction serialized per instance
 * (activity × user) by an advisory lock, so the per-user bound and "never a second usable asset"
 * hold across processes; stock is taken by a conditional UPDATE that cannot go below zero; the
 * asset insert is guarded by the unique idempotency key. Transient failures re-run the whole
 * transaction on a fresh connection (see PgRunner): a retry after a commit whose answer was lost
 * finds the key and answers `existing` with the same asset.
 */
export class PostgresRightsLedger implements RightsLedger {
  readonly #runner: PgRunner;

  constructor(runner: PgRunner) {
    this.#runner = runner;
  }

  async ensurePool(pool: string, total: number, shards = 1): Promise<PoolStock> {
    if (!Number.isSafeInteger(total) || total < 0 || total > MAX_STOCK) {
      throw new InvalidInputError(`stock of pool '${pool}' must be a whole number from 0 to ${MAX_STOCK}`, [
        { path: 'total', message: `got ${total}` },
      ]);
    }
    if (!Number.isSafeInteger(shards) || shards < 1 || shards > MAX_SHARDS) {
      throw new InvalidInputError(`stock shards of pool '${pool}' must be a whole number from 1 to ${MAX_SHARDS}`, [
        { path: 'shards', message: `got ${shards}` },
      ]);
    }
    // One function call, so that resizing is atomic with concurrent issuance: what was taken
    // (total - remaining) is kept, and what is left is spread over the slots (migration 004).
    const result = await this.#runner.query<{ r_total: number; r_remaining: number }>(
      'ensure pool',
      'SELECT r_total, r_remaining FROM ensure_pool($1, $2, $3)',
      [pool, total, shards],
    );
    const row = firstRow(result, 'ensure pool');
    return { pool, total: row.r_total, remaining: row.r_remaining };
  }

  issue(request: IssueRequest): Promise<IssueResult> {
    return issueOnce(this.#runner, request);
  }

  async issueNext(request: NextIssueRequest): Promise<NextIssueResult> {
    const cap = capArguments(request);
    const result = await this.#runner.query<IssueRow & { r_key: string | null }>(
      'issue next',
      `SELECT r_outcome, r_held, r_asset, r_key, r_in_period
       FROM issue_next_asset($1, $2, $3, $4, $5::timestamptz, $6::timestamptz, $7, $8, $9::timestamptz, $10::timestamptz)`,
      [
        request.activityId,
        request.userId,
        request.pool,
        request.perUser,
        isoAt(request.nowMs),
        isoAt(request.nowMs + request.validForMs),
        request.eventId,
        ...cap.values,
      ],
    );
    const row = firstRow(result, 'issue next');
    return {
      ...toIssueResult(row, cap.periodStart),
      assetsHeld: row.r_held,
      ...(row.r_key === null ? {} : { idempotencyKey: row.r_key }),
    };
  }

  async listAssets(activityId: string, userId: string): Promise<readonly Asset[]> {
    const result = await this.#runner.query<AssetRow>(
      'list assets',
      `SELECT ${ASSET_COLUMNS} FROM assets WHERE activity_id = $1 AND user_id = $2 ORDER BY seq`,
      [activityId, userId],
    );
    return result.rows.map(toAsset);
  }

  async getAsset(assetId: string): Promise<Asset | undefined> {
    if (!isUuid(assetId)) return undefined;
    const result = await this.#runner.query<AssetRow>('get asset', `SELECT ${ASSET_COLUMNS} FROM assets WHERE id = $1`, [assetId]);
    const row = result.rows[0];
    return row && toAsset(row);
  }

  /**
   * Only an asset usable at `nowMs` is redeemed, decided by the UPDATE's own condition so that
   * concurrent redeems of one asset have exactly one winner.
   */
  async redeem(assetId: string, nowMs: number): Promise<RedeemResult> {
    if (!isUuid(assetId)) return { kind: 'not_found' };
    const now = isoAt(nowMs);
    const updated = await this.#runner.query<AssetRow>(
      'redeem asset',
      `UPDATE assets SET status = 'redeemed', redeemed_at = $2::timestamptz
       WHERE id = $1 AND status = 'active' AND expires_at > $2::timestamptz
       RETURNING ${ASSET_COLUMNS}`,
      [assetId, now],
    );
    const redeemed = updated.rows[0];
    if (redeemed) return { kind: 'redeemed', asset: toAsset(redeemed) };
    const current = await this.getAsset(assetId);
    return current ? { kind: 'not_usable', asset: current } : { kind: 'not_found' };
  }

  async stock(pool: string): Promise<PoolStock | undefined> {
    // The slots' sum in one statement: one snapshot, so a resize is seen whole or not at all.
    const result = await this.#runner.query<PoolRow>(
      'read stock',
      `SELECT p.id, p.total, coalesce((SELECT sum(s.remaining) FROM benefit_pool_slots s WHERE s.pool = p.id), 0)::integer AS remaining
       FROM benefit_pools p WHERE p.id = $1`,
      [pool],
    );
    const row = result.rows[0];
    return row && toPoolStock(row);
  }
}

interface IssueRow {
  r_outcome: 'existing' | 'held' | 'limit_reached' | 'period_limit_reached' | 'out_of_stock' | 'issued' | 'caused';
  r_held: number;
  /** Assets the user received in the cap's period; set with `period_limit_reached`. */
  r_in_period: number;
  /** The asset row as JSON: timestamps arrive as ISO strings. */
  r_asset:
    | (Omit<AssetRow, 'issued_at' | 'expires_at' | 'redeemed_at'> & { issued_at: string; expires_at: string; redeemed_at: string | null })
    | null;
}

/**
 * One round trip: `issue_asset` (migrations 003, 004) runs the checks in the port's order, writes the
 * asset and takes the stock in one transaction, and answers with the asset it names.
 */
async function issueOnce(runner: PgRunner, request: IssueRequest): Promise<IssueResult> {
  const cap = capArguments(request);
  const result = await runner.query<IssueRow>(
    'issue',
    `SELECT r_outcome, r_held, r_asset, r_in_period
     FROM issue_asset($1, $2, $3, $4, $5::timestamptz, $6::timestamptz, $7, $8, $9, $10::timestamptz, $11::timestamptz)`,
    [
      request.activityId,
      request.userId,
      request.pool,
      request.perUser,
      isoAt(request.nowMs),
      isoAt(request.nowMs + request.validForMs),
      request.idempotencyKey,
      request.eventId,
      ...cap.values,
    ],
  );
  const row = firstRow(result, 'issue');
  if (row.r_outcome === 'caused') throw new StrategyCenterError('internal', 'issue_asset answered caused');
  return toIssueResult(row, cap.periodStart) as IssueResult;
}

/**
 * The frequency cap as the SQL functions take it (migration 005): the count and the period's
 * bounds, computed here from the activity's time zone; three NULLs without a cap.
 */
function capArguments(request: Pick<IssueRequest, 'nowMs' | 'perUserPer'>): {
  values: [number | null, string | null, string | null];
  periodStart: string;
} {
  const cap = request.perUserPer;
  if (!cap) return { values: [null, null, null], periodStart: '' };
  const { startMs, endMs } = periodBounds(request.nowMs, cap.period, cap.timeZone);
  return { values: [cap.count, isoAt(startMs), isoAt(endMs)], periodStart: isoAt(startMs) };
}

function toIssueResult(row: IssueRow, periodStart: string): IssueResult | { kind: 'caused'; asset: Asset } {
  switch (row.r_outcome) {
    case 'limit_reached':
      return { kind: 'limit_reached', held: row.r_held };
    case 'period_limit_reached':
      return { kind: 'period_limit_reached', issuedInPeriod: row.r_in_period, periodStart };
    case 'out_of_stock':
      return { kind: 'out_of_stock' };
    default: {
      const asset = row.r_asset;
      if (!asset) throw new StrategyCenterError('internal', `issue_asset answered ${row.r_outcome} without an asset`);
      return {
        kind: row.r_outcome,
        asset: toAsset({
          ...asset,
          issued_at: new Date(asset.issued_at),
          expires_at: new Date(asset.expires_at),
          redeemed_at: asset.redeemed_at === null ? null : new Date(asset.redeemed_at),
        }),
      };
    }
  }
}

function toPoolStock(row: PoolRow): PoolStock {
  return { pool: row.id, total: row.total, remaining: row.remaining };
}

function firstRow<R extends pg.QueryResultRow>(result: pg.QueryResult<R>, operation: string): R {
  const row = result.rows[0];
  if (!row) throw new StrategyCenterError('internal', `PostgreSQL ${operation} returned no row`);
  return row;
}
