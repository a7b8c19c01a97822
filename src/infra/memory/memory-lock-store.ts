import type { LockStore } from '../../domain/ports/lock-store.js';

export class MemoryLockStore implements LockStore {
  readonly #locks = new Map<string, { owner: string; expiresAtMs: number }>();
  readonly #fences = new Map<string, number>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  async tryAcquire(key: string, owner: string, ttlMs: number): Promise<number | undefined> {
    const held = this.#locks.get(key);
    if (held && held.expiresAtMs > this.#now()) return undefined;
    const fence = (this.#fences.get(key) ?? 0) + 1;
    this.#fences.set(key, fence);
    this.#locks.set(key, { owner, expiresAtMs: this.#now() + ttlMs });
    return fence;
  }

  async extend(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const held = this.#locks.get(key);
    if (!held || held.owner !== owner || held.expiresAtMs <= this.#now()) return false;
    held.expiresAtMs = this.#now() + ttlMs;
    return true;
  }

  async release(key: string, owner: string): Promise<boolean> {
    const held = this.#locks.get(key);
    if (!held || held.owner !== owner || held.expiresAtMs <= this.#now()) return false;
    this.#locks.delete(key);
    return true;
  }
}
