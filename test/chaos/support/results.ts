import type { TestContext } from 'vitest';

/**
 * One row of the summary table. Every count is measured on the real services at the end of the
 * scenario; the scenario's assertions then require the bad ones to be zero.
 */
export interface ScenarioResult {
  /** The scenario's number in the brief. */
  readonly scenario: string;
  readonly title: string;
  /** Events, clicks, messages or lock operations the scenario sent. */
  readonly events: number;
  /** Assets in the ledger that the scenario caused. */
  readonly assetsIssued: number;
  /** Effects that happened twice: a second asset in one round, a second usable asset, a stale write accepted. */
  readonly duplicates: number;
  /** Assets beyond the stock, plus any gap between stock taken and assets written. */
  readonly oversell: number;
  /** Accepted (confirmed, answered, acknowledged) work whose effect is missing at the end. */
  readonly lost: number;
  readonly deadLettered: number;
  /** What the scenario did to the system, in a few words (faults injected, restarts, kills). */
  readonly faults: string;
}

declare module 'vitest' {
  interface TaskMeta {
    chaos?: ScenarioResult[];
  }
}

/**
 * Attaches a row to the running test; the summary reporter reads it in the main process once every
 * file has run, with the test's verdict beside it. Recorded before the assertions, so a failing
 * scenario still shows what it measured.
 */
export function recordScenario(context: TestContext, result: ScenarioResult): void {
  context.task.meta.chaos = [...(context.task.meta.chaos ?? []), result];
}
