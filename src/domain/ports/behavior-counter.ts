/** One raw behavior, as counted by a rule. */
export interface BehaviorOccurrence {
  readonly eventId: string;
  readonly atMs: number;
  readonly itemId?: string;
}

/** One behavior to count against one rule's window for one user. */
export interface BehaviorCount {
  readonly ruleKey: string;
  readonly userId: string;
  readonly occurrence: BehaviorOccurrence;
  readonly windowMs: number;
  readonly threshold: number;
}

/** The window after a count: the batch that fired, or the behaviors still pending. */
export interface BehaviorTally {
  readonly fired: boolean;
  readonly count: number;
  readonly occurrences: readonly BehaviorOccurrence[];
}

/**
 * Sliding-window counting of behaviors per rule and user. `record` is atomic and idempotent by
 * event id: the same behavior recorded twice counts once. When the count within the window reaches
 * `threshold`, the window is consumed (cleared) and the occurrences that fired are returned, so a
 * rule fires once per `threshold` behaviors. Recording the behavior that completed a batch again
 * returns that same batch with `fired: true`, so a retried request republishes the same message.
 */
export interface BehaviorCounter {
  record(input: BehaviorCount): Promise<BehaviorTally>;
  /**
   * Many counts at once, answered in their order, each exactly as `record` would answer it, and
   * applied in their order (two counts of one window see each other as consecutive `record`s
   * would). For bulk intake: an adapter sends them in as few round trips as it can. All or
   * nothing for the caller: it rejects when any count could not be made, and since counting is
   * idempotent, recording the same counts again is the retry.
   */
  recordMany(inputs: readonly BehaviorCount[]): Promise<readonly BehaviorTally[]>;
}
