import type { RightsLedger } from '../domain/ports/rights-ledger.js';
import { inSpan, SpanKind } from './tracing.js';

/**
 * The rights ledger with a client span around every call, named `ledger <method>`, carrying the
 * activity, pool and the answer's kind. A decorator over the port, so every adapter (memory,
 * PostgreSQL) is traced alike and none of them knows about tracing.
 */
export function tracedLedger(ledger: RightsLedger): RightsLedger {
  const call = <T>(method: string, attributes: Record<string, string>, run: () => Promise<T>): Promise<T> =>
    inSpan(
      `ledger ${method}`,
      async (span) => {
        const result = await run();
        const kind = typeof result === 'object' && result !== null && 'kind' in result ? result.kind : undefined;
        if (typeof kind === 'string') span?.setAttribute('ledger.result', kind);
        return result;
      },
      { kind: SpanKind.CLIENT, attributes: { 'ledger.method': method, ...attributes } },
    );
  return {
    ensurePool: (pool, total, shards) => call('ensurePool', { 'ledger.pool': pool }, () => ledger.ensurePool(pool, total, shards)),
    issue: (request) => call('issue', { 'activity.id': request.activityId, 'ledger.pool': request.pool }, () => ledger.issue(request)),
    issueNext: (request) =>
      call('issueNext', { 'activity.id': request.activityId, 'ledger.pool': request.pool }, () => ledger.issueNext(request)),
    listAssets: (activityId, userId) => call('listAssets', { 'activity.id': activityId }, () => ledger.listAssets(activityId, userId)),
    getAsset: (assetId) => call('getAsset', {}, () => ledger.getAsset(assetId)),
    redeem: (assetId, nowMs) => call('redeem', {}, () => ledger.redeem(assetId, nowMs)),
    stock: (pool) => call('stock', { 'ledger.pool': pool }, () => ledger.stock(pool)),
  };
}
