import type { Reporter, TestModule } from 'vitest/node';
import type { ScenarioResult } from './results.js';
import './results.js';

const COLUMNS = ['scenario', 'events', 'assets issued', 'duplicates', 'oversell', 'lost', 'dead-lettered', 'verdict', 'faults'] as const;

/** Prints the chaos suite's summary table after every file has run (vitest's own summary comes first). */
export default class ChaosSummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const rows: { result: ScenarioResult; verdict: string }[] = [];
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        for (const result of test.meta().chaos ?? []) rows.push({ result, verdict: state === 'passed' ? 'held' : state.toUpperCase() });
      }
    }
    if (rows.length === 0) return;
    // Stable: the variants of one scenario keep the order they ran in.
    rows.sort((a, b) => scenarioOrder(a.result.scenario) - scenarioOrder(b.result.scenario));
    const table = rows.map(({ result, verdict }) => [
      `${result.scenario}. ${result.title}`,
      String(result.events),
      String(result.assetsIssued),
      String(result.duplicates),
      String(result.oversell),
      String(result.lost),
      String(result.deadLettered),
      verdict,
      result.faults,
    ]);
    const widths = COLUMNS.map((column, i) => Math.max(column.length, ...table.map((row) => (row[i] ?? '').length)));
    const numeric = (i: number) => i >= 1 && i <= 6;
    const line = (cells: readonly string[]) =>
      cells
        .map((cell, i) => (numeric(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd();
    const profile = process.env.CHAOS_PROFILE === 'ci' ? 'ci' : 'full';
    process.stdout.write(
      [
        '',
        `Chaos summary (profile ${profile}): every count is read back from Redis, PostgreSQL and the brokers`,
        line(COLUMNS),
        widths.map((width) => '-'.repeat(width)).join('  '),
        ...table.map(line),
        '',
      ].join('\n'),
    );
  }
}

function scenarioOrder(scenario: string): number {
  return Number.parseInt(scenario, 10) || 0;
}
