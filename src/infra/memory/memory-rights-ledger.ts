import { randomUUID } from 'node:crypto';
import { type Asset, isUsable } from '../../domain/asset.js';
import { newAsset, nextIssueStep, refusalBeforeStock } from '../../domain/issuance.js';
import type {
  IssueRequest,
  IssueResult,
  NextIssueRequest,
  NextIssueResult,
  PoolStock,
  RedeemResult,
  RightsLedger,
} from '../../domain/ports/rights-ledger.js';

/**
 * Each method runs to completion within one turn of the event loop before its first await, which
 * makes every issuance atomic in a single process — the same guarantee the PostgreSQL ledger gets
 * from one transaction. One process has no row lock to spread, so `shards` changes nothing here.
 */
export class MemoryRightsLedger implements RightsLedger {
  readonly #pools = new Map<string, { total: number; remaining: number }>();
  readonly #assets = new Map<string, Asset>();
  readonly #byKey = new Map<string, Asset>();
  readonly #byInstance = new Map<string, Asset[]>();

  async ensurePool(pool: string, total: number, _shards?: number): Promise<PoolStock> {
    const existing = this.#pools.get(pool);
    if (!existing) {
      this.#pools.set(pool, { total, remaining: total });
      return { pool, total, remaining: total };
    }
    const taken = existing.total - existing.remaining;
    existing.total = total;
    existing.remaining = Math.max(0, total - taken);
    return { pool, ...existing };
  }

  async issue(request: IssueRequest): Promise<IssueResult> {
    const keyed = this.#byKey.get(request.idempotencyKey);
    const instanceKey = `${request.activityId}:${request.userId}`;
    const held = this.#byInstance.get(instanceKey) ?? [];
    const refusal = refusalBeforeStock(request, keyed ? [keyed, ...held] : held);
    if (refusal) return refusal;
    const pool = this.#pools.get(request.pool);
    if (!pool || pool.remaining <= 0) return { kind: 'out_of_stock' };
    pool.remaining -= 1;
    const asset = newAsset(request, randomUUID());
    this.#assets.set(asset.id, asset);
    this.#byKey.set(asset.idempotencyKey, asset);
    this.#byInstance.set(instanceKey, [...held, asset]);
    return { kind: 'issued', asset };
  }

  async issueNext(request: NextIssueRequest): Promise<NextIssueResult> {
    const held = this.#byInstance.get(`${request.activityId}:${request.userId}`) ?? [];
    const step = nextIssueStep(request, held);
    if ('refusal' in step) return step.refusal;
    // No await before issue's body runs: the checks above and the write stay one atomic step.
    const result = await this.issue(step.issue);
    return { ...result, assetsHeld: held.length, idempotencyKey: step.issue.idempotencyKey };
  }

  async listAssets(activityId: string, userId: string): Promise<readonly Asset[]> {
    return this.#byInstance.get(`${activityId}:${userId}`) ?? [];
  }

  async getAsset(assetId: string): Promise<Asset | undefined> {
    return this.#assets.get(assetId);
  }

  async redeem(assetId: string, nowMs: number): Promise<RedeemResult> {
    const asset = this.#assets.get(assetId);
    if (!asset) return { kind: 'not_found' };
    if (!isUsable(asset, nowMs)) return { kind: 'not_usable', asset };
    const redeemed: Asset = { ...asset, status: 'redeemed', redeemedAt: new Date(nowMs).toISOString() };
    this.#replace(redeemed);
    return { kind: 'redeemed', asset: redeemed };
  }

  async stock(pool: string): Promise<PoolStock | undefined> {
    const found = this.#pools.get(pool);
    return found && { pool, ...found };
  }

  #replace(asset: Asset): void {
    this.#assets.set(asset.id, asset);
    this.#byKey.set(asset.idempotencyKey, asset);
    const instanceKey = `${asset.activityId}:${asset.userId}`;
    const held = this.#byInstance.get(instanceKey) ?? [];
    this.#byInstance.set(
      instanceKey,
      held.map((a) => (a.id === asset.id ? asset : a)),
    );
  }
}
