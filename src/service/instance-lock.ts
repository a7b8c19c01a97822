import { randomUUID } from 'node:crypto';
import type { InstanceKey, InstanceLease } from '../domain/instance-context.js';
import type { LockStore } from '../domain/ports/lock-store.js';
import { backoffDelayMs, sleep } from '../domain/retry-policy.js';

export interface LockOptions {
  /** How long the lock lives without renewal; renewed at a third of it while held. */
  readonly ttlMs: number;
  /** How long to wait for a busy lock before giving up. */
  readonly waitMs: number;
  readonly retryDelayMs: number;
}

export const DEFAULT_LOCK_OPTIONS: LockOptions = { ttlMs: 10_000, waitMs: 5_000, retryDelayMs: 10 };

export interface HeldLock extends InstanceLease {
  readonly key: string;
  readonly owner: string;
  release(): Promise<void>;
}

/**
 * Per-instance (activity × user) locks on any LockStore: an owner token per acquisition, renewal
 * while held, and an AbortSignal that fires when renewal finds the lock gone, so a chain that lost
 * its lock stops instead of writing on.
 */
export class InstanceLocks {
  readonly #store: LockStore;
  readonly #options: LockOptions;
  /**
   * Waiters of this process queue here, per key, so that only the head of the queue asks the store:
   * hundreds of concurrent clicks of one user cost one poller, not hundreds.
   */
  readonly #localQueues = new Map<string, Promise<unknown>>();

  constructor(store: LockStore, options: Partial<LockOptions> = {}) {
    this.#store = store;
    this.#options = { ...DEFAULT_LOCK_OPTIONS, ...options };
  }

  static keyOf(instance: InstanceKey): string {
    return `lock:{${instance.activityId}:${instance.userId}}`;
  }

  /** Undefined when the lock stayed busy for `waitMs`. */
  async acquire(instance: InstanceKey): Promise<HeldLock | undefined> {
    const key = InstanceLocks.keyOf(instance);
    const deadline = Date.now() + this.#options.waitMs;
    const previous = this.#localQueues.get(key) ?? Promise.resolve();
    let leaveQueue = () => {};
    const turn = new Promise<void>((resolve) => {
      leaveQueue = resolve;
    });
    const tail = previous.then(() => turn);
    this.#localQueues.set(key, tail);
    const forget = () => {
      leaveQueue();
      if (this.#localQueues.get(key) === tail) this.#localQueues.delete(key);
    };
    try {
      // The wait in the local queue counts against waitMs too; successors still queue behind
      // `previous` through `tail`, so giving up here lets nobody in early.
      if (!(await settlesWithin(previous, deadline - Date.now()))) {
        forget();
        return undefined;
      }
      const held = await this.#acquireFromStore(key, deadline);
      if (!held) {
        forget();
        return undefined;
      }
      return { ...held, release: () => held.release().finally(forget) };
    } catch (error) {
      forget();
      throw error;
    }
  }

  async #acquireFromStore(key: string, deadline: number): Promise<HeldLock | undefined> {
    const owner = randomUUID();
    for (;;) {
      const fence = await this.#store.tryAcquire(key, owner, this.#options.ttlMs);
      if (fence !== undefined) return this.#hold(key, owner, fence);
      if (Date.now() >= deadline) return undefined;
      // A fixed step with jitter (no growth): the lock frees when its holder's chain ends, and a
      // waiter that polled ever more slowly would hold the local queue behind it for nothing.
      await sleep(
        backoffDelayMs({ baseDelayMs: 2 * this.#options.retryDelayMs, maxDelayMs: 2 * this.#options.retryDelayMs, jitter: 'half' }, 1),
      );
    }
  }

  #hold(key: string, owner: string, fence: number): HeldLock {
    const controller = new AbortController();
    const store = this.#store;
    const ttlMs = this.#options.ttlMs;
    const renewal = setInterval(
      () => {
        store.extend(key, owner, ttlMs).then(
          (extended) => {
            if (!extended) lose();
          },
          () => lose(),
        );
      },
      Math.max(1, Math.floor(ttlMs / 3)),
    );
    renewal.unref();
    const lose = () => {
      clearInterval(renewal);
      if (!controller.signal.aborted) controller.abort(new Error(`lock ${key} lost`));
    };
    return {
      key,
      owner,
      fence,
      signal: controller.signal,
      release: async () => {
        clearInterval(renewal);
        await store.release(key, owner);
      },
    };
  }
}

/** True when `promise` settles within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, ms));
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
