/**
 * The primitives of a per-instance lock. Renewal, loss detection and the AbortSignal are built on
 * top of these once (service/instance-lock.ts); an adapter only makes each primitive atomic.
 */
export interface LockStore {
  /**
   * Takes the lock for `owner` if free (or expired) and returns a fencing token that is greater than
   * every token handed out before for this key; undefined when another owner holds it.
   */
  tryAcquire(key: string, owner: string, ttlMs: number): Promise<number | undefined>;
  /** Extends the lock only if `owner` still holds it. */
  extend(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Releases the lock only if `owner` still holds it (compare-and-delete). */
  release(key: string, owner: string): Promise<boolean>;
}
