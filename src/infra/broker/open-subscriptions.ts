import type { Subscription } from '../../domain/ports/broker.js';

/** The subscriptions a broker has open, so that closing the broker closes them first. */
export class OpenSubscriptions {
  readonly #open = new Set<Subscription>();

  /** Wraps `subscription` so that closing it also forgets it. */
  track(subscription: Subscription): Subscription {
    const tracked: Subscription = {
      close: async () => {
        await subscription.close();
        this.#open.delete(tracked);
      },
    };
    this.#open.add(tracked);
    return tracked;
  }

  /** Closes every open subscription, each waiting for its deliveries in flight. */
  async closeAll(): Promise<void> {
    await Promise.all([...this.#open].map((subscription) => subscription.close()));
  }
}
