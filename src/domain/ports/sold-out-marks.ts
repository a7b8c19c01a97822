/**
 * "This pool was found sold out": a hint shared by the processes of a deployment so that a storm of
 * clicks on an empty pool is answered without asking the ledger. A mark is never the decision
 * itself — it only ever says "out of stock", expires after a short TTL, and is removed when stock is
 * added — so a lost or stale mark costs at most a ledger call or a short delay before reopening.
 */
export interface SoldOutMarks {
  isMarked(pool: string): Promise<boolean>;
  mark(pool: string, ttlMs: number): Promise<void>;
  /** Removes the mark: the pool got stock again. */
  clear(pool: string): Promise<void>;
}
