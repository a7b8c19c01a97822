import type { Logger } from 'pino';
import { behaviorConsumer } from '../access/behavior-consumer.js';
import type { BehaviorIntake } from '../access/behavior-intake.js';
import type { Metrics } from '../access/metrics.js';
import { rawBehaviorConsumer } from '../access/raw-behavior-consumer.js';
import type { Broker, DeliveryHandler, RawQueue, Subscription } from '../domain/ports/broker.js';
import type { DeadLetterStore } from '../domain/ports/dead-letter-store.js';
import type { ChannelEvents } from '../service/channel-events.js';

/**
 * The broker subscriptions of a worker: the fired rules' messages, each handled by the behavior
 * consumer, and the raw behaviors of clickstream relays, each counted by the raw-behavior consumer
 * (whose fired rules land on the first). Every verdict is counted.
 */
export class BehaviorConsumers {
  readonly #subscriptions: Subscription[] = [];

  constructor(
    private readonly deps: {
      readonly broker: Broker;
      readonly rawBehaviors: RawQueue;
      readonly events: ChannelEvents;
      readonly intake: BehaviorIntake;
      readonly deadLetters: DeadLetterStore;
      readonly metrics: Metrics;
      readonly maxAttempts: number;
      readonly logger: Logger | undefined;
    },
  ) {}

  async start(concurrency: number): Promise<void> {
    const { broker, rawBehaviors, events, intake, deadLetters, metrics, maxAttempts, logger } = this.deps;
    const withLogger = logger ? { logger } : {};
    const counted =
      (handler: DeliveryHandler): DeliveryHandler =>
      async (delivery) => {
        const verdict = await handler(delivery);
        metrics.deliveries.inc({ verdict });
        return verdict;
      };
    const rules = behaviorConsumer({ events, deadLetters, maxAttempts, source: broker.kind, ...withLogger });
    this.#subscriptions.push(await broker.subscribe(counted(rules), { concurrency }));
    const raw = rawBehaviorConsumer({
      intake,
      deadLetters,
      maxAttempts,
      brokerKind: rawBehaviors.kind,
      onRecorded: (behavior, fired) => metrics.behaviors.inc({ type: behavior.type, fired: String(fired.length > 0) }),
      ...withLogger,
    });
    this.#subscriptions.push(await rawBehaviors.subscribe(counted(raw), { concurrency }));
  }

  /** Stops taking messages and waits for those in flight. */
  async close(): Promise<void> {
    await Promise.all(this.#subscriptions.splice(0).map((subscription) => subscription.close()));
  }
}
