/** One raw behavior, as counted by a rule. */
export interface BehaviorOccurrence {
  readonly eventId: string;
  readonly atMs: number;
  readonly itemId?: string;
}

/**
 * Sliding-window counting of behaviors per rule and user. `record` is atomic and idempotent by
 * event id: the same behavior recorded twice counts once. When the count within the window reaches
 * `threshold`, the window is consumed (cleared) and the occurrences that fired are returned, so a
 * rule fires once per `threshold` behaviors. Recording the behavior that completed a batch again
 * returns that same batch with `fired: true`, so a retried request republishes the same message.
 */
export interface BehaviorCounter {
  record(input: {
    ruleKey: string;
    userId: string;
    occurrence: BehaviorOccurrence;
    windowMs: number;
    threshold: number;
  }): Promise<{ fired: boolean; count: number; occurrences: readonly BehaviorOccurrence[] }>;
}
