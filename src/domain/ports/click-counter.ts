/** One click of one user on one activity, counted against `limits.clicksPerUser`. */
export interface ClickInput {
  readonly activityId: string;
  readonly userId: string;
  /** A retried click (same event id) is counted once. */
  readonly eventId: string;
  readonly nowMs: number;
  readonly windowMs: number;
  readonly limit: number;
}

/** `admitted`: under the cap (and now counted); `clicks` is how many the window holds after the call. */
export interface ClickVerdict {
  readonly admitted: boolean;
  readonly clicks: number;
}

/**
 * Sliding-window counts of one user's clicks on one activity, shared by every process of the
 * deployment. `admit` is atomic: of concurrent clicks over the cap, exactly the ones that fit are
 * admitted. A refused click is not counted, so the window holds at most `limit` clicks.
 */
export interface ClickCounter {
  admit(click: ClickInput): Promise<ClickVerdict>;
  /** What `admit` would answer, counting nothing (dry runs). */
  peek(click: ClickInput): Promise<ClickVerdict>;
}
