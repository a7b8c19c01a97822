/**
 * Counts the deliveries in flight against a subscription's concurrency: the reader waits for room
 * before it asks the broker for more, and `close()` waits for the last delivery to settle.
 */
export class DeliverySlots {
  readonly capacity: number;
  #inFlight = 0;
  #roomWaiters: Array<() => void> = [];
  #idleWaiters: Array<() => void> = [];
  #interrupted = false;

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

  /**
   * Resolves once `atLeast` slots are free (at most the capacity), or when `interrupt()` is called
   * (the subscription is closing). A reader that waits for a batch's worth of room takes its
   * deliveries a batch at a time, so their chains run side by side and their Redis work shares
   * round trips, instead of one delivery trickling in per settled one.
   */
  waitForRoom(atLeast = 1): Promise<void> {
    const wanted = Math.min(this.capacity, Math.max(1, Math.floor(atLeast)));
    if (this.free >= wanted) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        if (this.free >= wanted || this.#interrupted) resolve();
        else this.#roomWaiters.push(wake);
      };
      this.#roomWaiters.push(wake);
    });
  }

  whenIdle(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  interrupt(): void {
    this.#interrupted = true;
    this.#wake('room');
  }

  #wake(which: 'room' | 'idle'): void {
    const waiters = which === 'room' ? this.#roomWaiters : this.#idleWaiters;
    if (which === 'room') this.#roomWaiters = [];
    else this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
