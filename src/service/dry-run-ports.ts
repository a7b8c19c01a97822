import { isUsable } from '../domain/asset.js';
import { newAsset, nextIssueStep, refusalBeforeStock } from '../domain/issuance.js';
import type { InstanceStore } from '../domain/ports/instance-store.js';
import type { IssueRequest, IssueResult, NextIssueResult, RightsLedger } from '../domain/ports/rights-ledger.js';

/**
 * Ports for dry runs: reads go to the real adapters, writes are answered as the real adapter would
 * answer them and leave no trace. Processors run unchanged on top of them.
 */
export function simulatedInstanceStore(real: InstanceStore): InstanceStore {
  return {
    getPrepared: (key) => real.getPrepared(key),
    putPrepared: async () => {},
    deletePrepared: async () => {},
  };
}

/** Answers `issue` from the real ledger's state in the port's order of checks, taking no stock. */
export function simulatedLedger(real: RightsLedger): RightsLedger {
  const takeNoStock = async (request: IssueRequest): Promise<IssueResult> => {
    const stock = await real.stock(request.pool);
    if (!stock || stock.remaining <= 0) return { kind: 'out_of_stock' };
    return { kind: 'issued', asset: newAsset(request, `dry-run:${request.idempotencyKey}`) };
  };
  return {
    ensurePool: async (pool, total) => (await real.stock(pool)) ?? { pool, total, remaining: total },
    async issue(request): Promise<IssueResult> {
      const refusal = refusalBeforeStock(request, await real.listAssets(request.activityId, request.userId));
      return refusal ?? takeNoStock(request);
    },
    async issueNext(request): Promise<NextIssueResult> {
      const held = await real.listAssets(request.activityId, request.userId);
      const step = nextIssueStep(request, held);
      if ('refusal' in step) return step.refusal;
      const keyed = refusalBeforeStock(step.issue, held);
      const result = keyed ?? (await takeNoStock(step.issue));
      return { ...result, assetsHeld: held.length, idempotencyKey: step.issue.idempotencyKey };
    },
    listAssets: (activityId, userId) => real.listAssets(activityId, userId),
    getAsset: (assetId) => real.getAsset(assetId),
    redeem: async (assetId, nowMs) => {
      const asset = await real.getAsset(assetId);
      if (!asset) return { kind: 'not_found' };
      if (!isUsable(asset, nowMs)) return { kind: 'not_usable', asset };
      return { kind: 'redeemed', asset: { ...asset, status: 'redeemed', redeemedAt: new Date(nowMs).toISOString() } };
    },
    stock: (pool) => real.stock(pool),
  };
}
