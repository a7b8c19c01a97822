/**
 * "This pool was found sold out": a hint shared by the processes of a deployment so that a storm of
 * clicks on an empty pool is answered without asking the ledger. A mark is never the decision
 * itself — it only ever says "out of stock", expires after a short TTL, and is dropped when stock is
 * added — so a lost or stale mark costs at most a ledger call or a short delay before reopening.
 *
 * Reopening moves the pool to a new epoch. A mark carries the epoch its caller read before asking
 * the ledger, so an `out_of_stock` decided before a resize can never close the reopened pool.
 *
 * Holders: the instances (activity × user) the ledger answered with an asset of the pool. Their
 * clicks pass a marked pool, because the ledger's answer for them is not `out_of_stock` (their own
 * asset for a retried event, the usable asset they hold, or the per-user bound).
 */
export interface SoldOutMarks {
  /** Whether the pool is marked sold out in its current epoch, that epoch, and whether `holder` holds from it. */
  read(pool: string, holder: string): Promise<{ readonly soldOut: boolean; readonly epoch: string; readonly holder: boolean }>;
  /** Marks the pool sold out in `epoch` (as read before the ledger answered `out_of_stock`). */
  mark(pool: string, epoch: string, ttlMs: number): Promise<void>;
  /** The pool got stock again: a new epoch, in which no mark holds yet. */
  reopen(pool: string): Promise<void>;
  /** Records that `holder` got an asset of the pool, for `ttlMs`. */
  recordHolder(pool: string, holder: string, ttlMs: number): Promise<void>;
}
