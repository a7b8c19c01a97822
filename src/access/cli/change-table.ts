import type { ConfigChange } from '../../domain/ports/change-log.js';
import { formatTable } from './format-table.js';

/** The change log as a terminal table, newest first; `--json` prints before/after whole. */
export function formatChangeTable(changes: readonly ConfigChange[]): string {
  return formatTable(
    ['seq', 'at', 'actor', 'kind', 'id', 'change'],
    changes.map((change) => [change.seq, change.at, change.actor, change.kind, change.id, summarizeChange(change)]),
  );
}

/** `created`, or the top-level fields whose values differ: `changed benefit, params`. */
export function summarizeChange(change: Pick<ConfigChange, 'before' | 'after'>): string {
  if (change.before === null || change.before === undefined) return 'created';
  if (!isObject(change.before) || !isObject(change.after)) return 'replaced';
  const before = change.before;
  const after = change.after;
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]))
    .sort();
  return fields.length > 0 ? `changed ${fields.join(', ')}` : 'unchanged';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
