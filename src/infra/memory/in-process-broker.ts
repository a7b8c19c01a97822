import { randomUUID } from 'node:crypto';
import { type Backoff, backoffSchedule } from '../../domain/retry-policy.js';

/** 50 ms, 100 ms … at most 2 s: in one process nothing is gained by waiting longer. */
const IN_PROCESS_REDELIVERY_BACKOFF: Backoff = { baseDelayMs: 50, maxDelayMs: 2_000, jitter: 'none' };

import type { BehaviorMessage, Broker, Delivery, DeliveryHandler, PublishOptions, Subscription } from '../../domain/ports/broker.js';

/**
 * The embedded default: a queue inside this process. It keeps the broker contract — a message is
 * settled only by its handler, `retry` redelivers with backoff and a higher attempt — but nothing
 * survives a restart; use a real broker (BROKER_URL) for that.
 */
export class InProcessBroker implements Broker {
  readonly kind = 'in-process';
  readonly #queue: Delivery[] = [];
  readonly #retryTimers = new Set<NodeJS.Timeout>();
  #handler: DeliveryHandler | undefined;
  #concurrency = 1;
  #inFlight = 0;
  #closed = false;
  readonly #idle = new Set<() => void>();
  readonly #settledWaiters = new Set<() => void>();
  readonly #retryDelayMs: (attempt: number) => number;

  constructor(options: { retryDelayMs?: (attempt: number) => number } = {}) {
    this.#retryDelayMs = options.retryDelayMs ?? backoffSchedule(IN_PROCESS_REDELIVERY_BACKOFF);
  }

  async publish(message: BehaviorMessage, options: PublishOptions = {}): Promise<void> {
    this.publishRaw(JSON.stringify(message), { ...options, messageId: options.messageId ?? message.eventId });
  }

  /** Enqueues a body as is; lets tests and replays send what an upstream system might send. */
  publishRaw(body: string, options: PublishOptions = {}): void {
    if (this.#closed) throw new Error('broker is closed');
    this.#queue.push({ id: options.messageId ?? randomUUID(), body, attempt: 1, ...(options.headers ? { headers: options.headers } : {}) });
    this.#pump();
  }

  async subscribe(handler: DeliveryHandler, options: { concurrency: number }): Promise<Subscription> {
    this.#handler = handler;
    this.#concurrency = Math.max(1, options.concurrency);
    this.#pump();
    return {
      close: async () => {
        // Stop taking messages; what is queued stays queued for the next subscriber.
        this.#handler = undefined;
        await this.#settled();
      },
    };
  }

  /** Resolves when nothing is queued, in flight or waiting for a retry. */
  drained(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idle.add(resolve));
  }

  /** Resolves when no delivery is in flight. */
  #settled(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#settledWaiters.add(resolve));
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#handler = undefined;
    for (const timer of this.#retryTimers) clearTimeout(timer);
    this.#retryTimers.clear();
  }

  #isIdle(): boolean {
    return this.#queue.length === 0 && this.#inFlight === 0 && this.#retryTimers.size === 0;
  }

  #pump(): void {
    while (this.#handler && this.#inFlight < this.#concurrency && this.#queue.length > 0) {
      const delivery = this.#queue.shift() as Delivery;
      this.#inFlight += 1;
      void this.#deliver(this.#handler, delivery);
    }
    if (this.#isIdle()) {
      for (const resolve of this.#idle) resolve();
      this.#idle.clear();
    }
  }

  async #deliver(handler: DeliveryHandler, delivery: Delivery): Promise<void> {
    let verdict: 'ack' | 'retry';
    try {
      verdict = await handler(delivery);
    } catch {
      verdict = 'retry';
    }
    this.#inFlight -= 1;
    if (this.#inFlight === 0) {
      for (const resolve of this.#settledWaiters) resolve();
      this.#settledWaiters.clear();
    }
    if (verdict === 'retry' && !this.#closed) {
      const timer = setTimeout(() => {
        this.#retryTimers.delete(timer);
        this.#queue.push({ ...delivery, attempt: delivery.attempt + 1 });
        this.#pump();
      }, this.#retryDelayMs(delivery.attempt));
      this.#retryTimers.add(timer);
    }
    this.#pump();
  }
}
