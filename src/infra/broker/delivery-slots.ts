/**
 * Counts the deliveries in flight against a subscription's concurrency: the reader waits for room
 * before it asks the broker for more, and `close()` waits for the last delivery to settle.
 */
export class DeliverySlots {
  readonly capacity: number;
  #inFlight = 0;
  #roomWaiters: Array<() => void> = [];
  #idleWaiters: Array<() => void> = [];

  constructor(capacity: number) {
    this.capacity = Math.max(1, Math.floor(capacity));
  }

  get free(): number {
    return this.capacity - this.#inFlight;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  take(count = 1): void {
    this.#inFlight += count;
  }

  release(count = 1): void {
    this.#inFlight = Math.max(0, this.#inFlight - count);
    if (this.free > 0) this.#wake('room');
    if (this.#inFlight === 0) this.#wake('idle');
  }

  /** Resolves once a slot is free, or when `interrupt()` is called (the subscription is closing). */
  waitForRoom(): Promise<void> {
    if (this.free > 0) return Promise.resolve();
    return new Promise((resolve) => this.#roomWaiters.push(resolve));
  }

  whenIdle(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  interrupt(): void {
    this.#wake('room');
  }

  #wake(which: 'room' | 'idle'): void {
    const waiters = which === 'room' ? this.#roomWaiters : this.#idleWaiters;
    if (which === 'room') this.#roomWaiters = [];
    else this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
