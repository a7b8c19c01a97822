import type { OutcomeStatus } from './outcome.js';

/** Most telling first: a failure anywhere is what an operator must see, then a benefit given. */
const PRECEDENCE: readonly OutcomeStatus[] = ['failed', 'issued', 'existing', 'prepared', 'rejected', 'skipped'];

/** One status for an event that ran several activities: the most telling of their outcomes. */
export function eventStatus(statuses: readonly OutcomeStatus[]): OutcomeStatus {
  return PRECEDENCE.find((status) => statuses.includes(status)) ?? 'skipped';
}
