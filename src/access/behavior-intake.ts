import { randomUUID } from 'node:crypto';
import type { BehaviorRule } from '../domain/behavior-rule.js';
import { StrategyCenterError } from '../domain/errors.js';
import type { BehaviorCounter } from '../domain/ports/behavior-counter.js';
import type { BehaviorMessage, Broker } from '../domain/ports/broker.js';
import type { Clock } from '../domain/ports/clock.js';

/** A raw user behavior, as posted to `POST /v1/behaviors`. */
export interface Behavior {
  readonly userId: string;
  readonly type: string;
  readonly eventId?: string;
  readonly itemId?: string;
  /** Epoch ms of when it happened; defaults to now. */
  readonly atMs?: number;
  readonly attributes?: Readonly<Record<string, unknown>>;
}

export interface BehaviorIntakeDeps {
  readonly rules: () => readonly BehaviorRule[];
  readonly counter: BehaviorCounter;
  readonly broker: Broker;
  readonly clock: Clock;
}

/**
 * The access layer's behavior-rule aggregation: counts each behavior against the rules of its
 * type and, when a rule is satisfied, publishes the rule's key as the channel code of a behavior
 * event. The published event id derives from the behavior that completed the rule, so a retried
 * request republishes the same id and downstream de-duplication holds.
 */
export class BehaviorIntake {
  readonly #deps: BehaviorIntakeDeps;

  constructor(deps: BehaviorIntakeDeps) {
    this.#deps = deps;
  }

  async record(behavior: Behavior): Promise<{ eventId: string; fired: string[] }> {
    const eventId = behavior.eventId ?? randomUUID();
    const atMs = behavior.atMs ?? this.#deps.clock.nowMs();
    const fired: string[] = [];
    for (const rule of this.#deps.rules()) {
      if (rule.type !== behavior.type) continue;
      const counted = await this.#deps.counter.record({
        ruleKey: rule.key,
        userId: behavior.userId,
        occurrence: { eventId, atMs, ...(behavior.itemId === undefined ? {} : { itemId: behavior.itemId }) },
        windowMs: rule.withinMs,
        threshold: rule.count,
      });
      if (!counted.fired) continue;
      const message: BehaviorMessage = {
        channelCode: rule.key,
        userId: behavior.userId,
        eventId: `${rule.key}:${eventId}`,
        payload: {
          itemIds: counted.occurrences.flatMap((o) => (o.itemId === undefined ? [] : [o.itemId])),
          behaviorEventIds: counted.occurrences.map((o) => o.eventId),
          ...(behavior.attributes === undefined ? {} : { attributes: behavior.attributes }),
        },
        occurredAt: new Date(atMs).toISOString(),
      };
      await this.#publish(message, eventId);
      fired.push(rule.key);
    }
    return { eventId, fired };
  }

  /**
   * The behavior is already counted when publishing fails. Counting is idempotent by event id and
   * recording a firing behavior again returns the same batch, so the caller's retry with the same
   * event id publishes the same message: nothing is lost and nothing counts twice.
   */
  async #publish(message: BehaviorMessage, behaviorEventId: string): Promise<void> {
    try {
      await this.#deps.broker.publish(message);
    } catch (error) {
      throw new StrategyCenterError(
        'unavailable',
        `the broker did not accept the fired rule's message (${(error as Error).message}); the behavior is counted: retry the same request with eventId '${behaviorEventId}'`,
        { retryable: true, cause: error, details: [{ path: 'broker', message: `unavailable; retry with eventId '${behaviorEventId}'` }] },
      );
    }
  }
}
