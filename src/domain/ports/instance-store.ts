import type { InstanceKey, PreparedData } from '../instance-context.js';

/**
 * Prepared data per instance (activity × user), kept for a TTL. Writes may carry the fencing token
 * of the lock under which they were made; a store refuses (FencedWriteError) a write whose token is
 * older than one it has already accepted for that instance.
 */
export interface InstanceStore {
  getPrepared(key: InstanceKey): Promise<PreparedData | undefined>;
  putPrepared(key: InstanceKey, data: PreparedData, ttlMs: number, fence?: number): Promise<void>;
  deletePrepared(key: InstanceKey): Promise<void>;
}
