import { randomUUID } from 'node:crypto';
import type { BehaviorRule } from '../domain/behavior-rule.js';
import { StrategyCenterError } from '../domain/errors.js';
import type { BehaviorCount, BehaviorCounter, BehaviorTally } from '../domain/ports/behavior-counter.js';
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

/** What became of one behavior of a batch: recorded (with the rules it fired), or the error that failed it alone. */
export type BehaviorOutcome = { readonly eventId: string; readonly fired: readonly string[] } | { readonly error: unknown };

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
      const counted = await this.#deps.counter.record(countOf(rule, behavior, eventId, atMs));
      if (!counted.fired) continue;
      await this.#publish(messageOf(rule, behavior, eventId, atMs, counted), eventId);
      fired.push(rule.key);
    }
    return { eventId, fired };
  }

  /**
   * Many behaviors (bulk intake) answered in their order, each as `record` would answer it. All
   * their counts go to the counter at once (one pipeline on Redis) and the fired rules' messages
   * are published concurrently, so a batch costs a few round trips instead of a chain of awaits
   * per item. A failed publish fails only its behavior (counted; its retry republishes the same
   * message); a failed count fails every behavior, none of whose fired messages went out: counting
   * is idempotent, so retrying the same behaviors is safe.
   */
  async recordMany(behaviors: readonly Behavior[]): Promise<BehaviorOutcome[]> {
    const nowMs = this.#deps.clock.nowMs();
    const rules = this.#deps.rules();
    const stamps = behaviors.map((behavior) => ({ eventId: behavior.eventId ?? randomUUID(), atMs: behavior.atMs ?? nowMs }));
    const counts: BehaviorCount[] = [];
    const countedFor: { readonly index: number; readonly rule: BehaviorRule }[] = [];
    behaviors.forEach((behavior, index) => {
      const { eventId, atMs } = stamps[index] as (typeof stamps)[number];
      for (const rule of rules) {
        if (rule.type !== behavior.type) continue;
        counts.push(countOf(rule, behavior, eventId, atMs));
        countedFor.push({ index, rule });
      }
    });
    let tallies: readonly BehaviorTally[];
    try {
      tallies = counts.length === 0 ? [] : await this.#deps.counter.recordMany(counts);
    } catch (error) {
      return behaviors.map(() => ({ error }));
    }
    const errors = new Map<number, unknown>();
    const published = await Promise.all(
      tallies.map(async (tally, k) => {
        if (!tally.fired) return false;
        const { index, rule } = countedFor[k] as (typeof countedFor)[number];
        const { eventId, atMs } = stamps[index] as (typeof stamps)[number];
        try {
          await this.#publish(messageOf(rule, behaviors[index] as Behavior, eventId, atMs, tally), eventId);
          return true;
        } catch (error) {
          errors.set(index, error);
          return false;
        }
      }),
    );
    const fired: string[][] = behaviors.map(() => []);
    published.forEach((done, k) => {
      const { index, rule } = countedFor[k] as (typeof countedFor)[number];
      if (done) fired[index]?.push(rule.key);
    });
    return stamps.map(({ eventId }, index) =>
      errors.has(index) ? { error: errors.get(index) } : { eventId, fired: fired[index] as string[] },
    );
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

function countOf(rule: BehaviorRule, behavior: Behavior, eventId: string, atMs: number): BehaviorCount {
  return {
    ruleKey: rule.key,
    userId: behavior.userId,
    occurrence: { eventId, atMs, ...(behavior.itemId === undefined ? {} : { itemId: behavior.itemId }) },
    windowMs: rule.withinMs,
    threshold: rule.count,
  };
}

/** The fired rule's message; its event id derives from the behavior that completed the rule. */
function messageOf(rule: BehaviorRule, behavior: Behavior, eventId: string, atMs: number, tally: BehaviorTally): BehaviorMessage {
  return {
    channelCode: rule.key,
    userId: behavior.userId,
    eventId: `${rule.key}:${eventId}`,
    payload: {
      itemIds: tally.occurrences.flatMap((o) => (o.itemId === undefined ? [] : [o.itemId])),
      behaviorEventIds: tally.occurrences.map((o) => o.eventId),
      ...(behavior.attributes === undefined ? {} : { attributes: behavior.attributes }),
    },
    occurredAt: new Date(atMs).toISOString(),
  };
}
