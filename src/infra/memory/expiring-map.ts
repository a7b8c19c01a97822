/** A map whose entries vanish after their TTL, checked lazily on read and swept on write. */
export class ExpiringMap<V> {
  readonly #entries = new Map<string, { value: V; expiresAtMs: number }>();
  readonly #now: () => number;
  #writesSinceSweep = 0;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAtMs <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V, ttlMs: number): void {
    this.#entries.set(key, { value, expiresAtMs: this.#now() + ttlMs });
    if (++this.#writesSinceSweep >= 1024) this.#sweep();
  }

  delete(key: string): boolean {
    return this.#entries.delete(key);
  }

  #sweep(): void {
    this.#writesSinceSweep = 0;
    const now = this.#now();
    for (const [key, entry] of this.#entries) if (entry.expiresAtMs <= now) this.#entries.delete(key);
  }
}
