import type { Asset } from './asset.js';

/** How one activity answered one event. The six statuses are the public contract. */
export type OutcomeStatus = 'issued' | 'existing' | 'prepared' | 'skipped' | 'rejected' | 'failed';

export const OUTCOME_STATUSES: readonly OutcomeStatus[] = ['issued', 'existing', 'prepared', 'skipped', 'rejected', 'failed'];

export interface Outcome {
  readonly activityId: string;
  /** `id@version` of the template the chain ran on. */
  readonly template: string;
  readonly status: OutcomeStatus;
  readonly reason?: string;
  readonly asset?: Asset;
  readonly output?: Readonly<Record<string, unknown>>;
}
