import { FencedWriteError } from '../../domain/errors.js';
import type { InstanceKey, PreparedData } from '../../domain/instance-context.js';
import type { InstanceStore } from '../../domain/ports/instance-store.js';
import { ExpiringMap } from './expiring-map.js';

export class MemoryInstanceStore implements InstanceStore {
  readonly #prepared: ExpiringMap<PreparedData>;
  /** Highest fencing token accepted per instance; outlives the data, as the Redis adapter's does. */
  readonly #fences = new Map<string, number>();

  constructor(now: () => number = Date.now) {
    this.#prepared = new ExpiringMap(now);
  }

  async getPrepared(key: InstanceKey): Promise<PreparedData | undefined> {
    return this.#prepared.get(keyOf(key));
  }

  async putPrepared(key: InstanceKey, data: PreparedData, ttlMs: number, fence?: number): Promise<void> {
    const k = keyOf(key);
    if (fence !== undefined) {
      const current = this.#fences.get(k) ?? 0;
      if (fence < current) throw new FencedWriteError(k, fence, current);
      this.#fences.set(k, fence);
    }
    this.#prepared.set(k, data, ttlMs);
  }

  async deletePrepared(key: InstanceKey): Promise<void> {
    this.#prepared.delete(keyOf(key));
  }
}

function keyOf(key: InstanceKey): string {
  return `${key.activityId}:${key.userId}`;
}
