import type { Logger } from 'pino';
import { behaviorConsumer } from '../access/behavior-consumer.js';
import type { Metrics } from '../access/metrics.js';
import type { Broker, Subscription } from '../domain/ports/broker.js';
import type { DeadLetterStore } from '../domain/ports/dead-letter-store.js';
import type { ChannelEvents } from '../service/channel-events.js';

/** The broker subscriptions of a worker: each delivery handled by the behavior consumer, its verdict counted. */
export class BehaviorConsumers {
  readonly #subscriptions: Subscription[] = [];

  constructor(
    private readonly deps: {
      readonly broker: Broker;
      readonly events: ChannelEvents;
      readonly deadLetters: DeadLetterStore;
      readonly metrics: Metrics;
      readonly maxAttempts: number;
      readonly logger: Logger | undefined;
    },
  ) {}

  async start(concurrency: number): Promise<void> {
    const { broker, events, deadLetters, metrics, maxAttempts, logger } = this.deps;
    const handler = behaviorConsumer({ events, deadLetters, maxAttempts, source: broker.kind, ...(logger ? { logger } : {}) });
    const counted: typeof handler = async (delivery) => {
      const verdict = await handler(delivery);
      metrics.deliveries.inc({ verdict });
      return verdict;
    };
    this.#subscriptions.push(await broker.subscribe(counted, { concurrency }));
  }

  /** Stops taking messages and waits for those in flight. */
  async close(): Promise<void> {
    await Promise.all(this.#subscriptions.splice(0).map((subscription) => subscription.close()));
  }
}
