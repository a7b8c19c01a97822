import type { ConfigSubjectKind } from '../../domain/ports/change-feed.js';
import type { ChangeLog, ChangeLogQuery, ConfigChange, ConfigChangeEntry, FileHashSwap } from '../../domain/ports/change-log.js';
import type { PgRunner } from './pg-runner.js';
import { isoAt } from './sql-values.js';

interface ChangeRow {
  /** bigint, selected as text: pg would otherwise hand back a string anyway. */
  seq: string;
  at: Date;
  actor: string;
  kind: ConfigSubjectKind;
  subject: string;
  before: unknown;
  after: unknown;
}

const CHANGE_COLUMNS = 'seq::text AS seq, at, actor, kind, subject, before, after';

export class PostgresChangeLog implements ChangeLog {
  readonly #runner: PgRunner;

  constructor(runner: PgRunner) {
    this.#runner = runner;
  }

  async append(entry: ConfigChangeEntry): Promise<ConfigChange> {
    const result = await this.#runner.query<ChangeRow>(
      'append config change',
      `INSERT INTO config_changes (at, actor, kind, subject, before, after)
       VALUES ($1::timestamptz, $2, $3, $4, $5::jsonb, $6::jsonb) RETURNING ${CHANGE_COLUMNS}`,
      [isoAt(entry.atMs), entry.actor, entry.kind, entry.id, jsonOrNull(entry.before), jsonOrNull(entry.after)],
    );
    const row = result.rows[0];
    if (!row) throw new Error('append config change returned no row');
    return toChange(row);
  }

  async list(query: ChangeLogQuery): Promise<readonly ConfigChange[]> {
    const result = await this.#runner.query<ChangeRow>(
      'list config changes',
      `SELECT ${CHANGE_COLUMNS} FROM config_changes
       WHERE ($2::text IS NULL OR kind = $2) AND ($3::text IS NULL OR subject = $3)
       ORDER BY seq DESC LIMIT $1`,
      [query.limit, query.kind ?? null, query.id ?? null],
    );
    return result.rows.map(toChange);
  }

  async appliedFileHash(kind: ConfigSubjectKind, id: string): Promise<string | undefined> {
    const result = await this.#runner.query<{ hash: string }>(
      'read file hash',
      'SELECT hash FROM file_applied WHERE kind = $1 AND subject = $2',
      [kind, id],
    );
    return result.rows[0]?.hash;
  }

  async swapAppliedFileHash(swap: FileHashSwap): Promise<boolean> {
    // Each branch is one statement whose own condition decides the race between processes.
    if (swap.next === undefined) {
      if (swap.expected === undefined) return (await this.appliedFileHash(swap.kind, swap.id)) === undefined;
      const deleted = await this.#runner.query(
        'forget file hash',
        'DELETE FROM file_applied WHERE kind = $1 AND subject = $2 AND hash = $3',
        [swap.kind, swap.id, swap.expected],
      );
      return deleted.rowCount === 1;
    }
    if (swap.expected === undefined) {
      const inserted = await this.#runner.query(
        'claim file hash',
        `INSERT INTO file_applied (kind, subject, hash, source) VALUES ($1, $2, $3, $4) ON CONFLICT (kind, subject) DO NOTHING`,
        [swap.kind, swap.id, swap.next, swap.source],
      );
      return inserted.rowCount === 1;
    }
    const updated = await this.#runner.query(
      'swap file hash',
      `UPDATE file_applied SET hash = $4, source = $5, applied_at = now() WHERE kind = $1 AND subject = $2 AND hash = $3`,
      [swap.kind, swap.id, swap.expected, swap.next, swap.source],
    );
    return updated.rowCount === 1;
  }
}

function toChange(row: ChangeRow): ConfigChange {
  return {
    seq: Number(row.seq),
    at: row.at.toISOString(),
    actor: row.actor,
    kind: row.kind,
    id: row.subject,
    before: row.before ?? null,
    after: row.after ?? null,
  };
}

/** JSON text for a jsonb parameter; SQL NULL for an absent value (not the JSON `null`). */
function jsonOrNull(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}
