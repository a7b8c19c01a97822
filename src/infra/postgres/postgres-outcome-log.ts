import type { HourlyOutcomeCount, OutcomeLog, OutcomeRecord, RollupStatus } from '../../domain/ports/outcome-log.js';
import { type PgRunner, Rollback } from './pg-runner.js';
import { isoAt } from './sql-values.js';

/**
 * The outcome log on PostgreSQL (migration 006): appends go to `outcome_inbox` in one multi-row
 * INSERT per batch; `refresh` moves the inbox into the hourly `outcome_rollup`; reads add the
 * rollup and what is still in the inbox.
 *
 * The move is one statement, so the rows it deletes are exactly the rows it counted (all its parts
 * share one snapshot). Two movers at once would count the same rows twice, so a transaction-level
 * advisory lock admits one; another caller does not wait but skips the refresh: it has nothing to
 * add, since reads never depend on it.
 */
export class PostgresOutcomeLog implements OutcomeLog {
  readonly #runner: PgRunner;
  readonly #lockName: string;

  constructor(runner: PgRunner, schema: string) {
    this.#runner = runner;
    this.#lockName = `strategy-center:outcome-rollup:${schema}`;
  }

  async append(records: readonly OutcomeRecord[]): Promise<void> {
    if (records.length === 0) return;
    const columns: (string | null)[][] = [[], [], [], [], [], [], [], []];
    for (const record of records) {
      const row = [
        record.kind,
        record.activityId,
        record.kind === 'redeemed' ? null : record.templateId,
        record.kind === 'redeemed' ? null : record.version,
        record.kind === 'rejected' || record.kind === 'failed' ? record.reason : '',
        isoAt(record.atMs),
        record.kind === 'issued' || record.kind === 'redeemed' ? record.assetId : null,
        record.kind === 'issued' || record.kind === 'redeemed' ? isoAt(record.expiresAtMs) : null,
      ];
      for (const [i, value] of row.entries()) columns[i]?.push(value);
    }
    await this.#runner.query(
      'append outcomes',
      `INSERT INTO outcome_inbox (outcome, activity_id, template_id, version, reason, at, asset_id, expires_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[], $8::timestamptz[])`,
      columns,
    );
  }

  refresh(): Promise<number> {
    return this.#runner.transaction('refresh outcome rollup', async (client) => {
      const lock = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked', [
        this.#lockName,
      ]);
      if (!lock.rows[0]?.locked) return new Rollback(0);
      const moved = await client.query<{ moved: number }>(
        `WITH moved AS (DELETE FROM outcome_inbox RETURNING 1),
         assets AS (
           INSERT INTO outcome_assets (asset_id, template_id, version)
           SELECT DISTINCT ON (asset_id) asset_id, template_id, version FROM outcome_inbox
            WHERE outcome = 'issued' AND asset_id IS NOT NULL
           ON CONFLICT (asset_id) DO NOTHING),
         rolled AS (
           INSERT INTO outcome_rollup (activity_id, hour, template_id, version, status, reason, count)
           SELECT activity_id, hour, template_id, version, status, reason, sum(delta) FROM outcome_inbox_deltas
            GROUP BY activity_id, hour, template_id, version, status, reason
           ON CONFLICT (activity_id, hour, template_id, version, status, reason)
           DO UPDATE SET count = outcome_rollup.count + EXCLUDED.count)
         SELECT count(*)::integer AS moved FROM moved`,
      );
      return moved.rows[0]?.moved ?? 0;
    });
  }

  async hourly(activityId: string, fromMs: number, toMs: number): Promise<readonly HourlyOutcomeCount[]> {
    // Folding first keeps the inbox short; the read below is whole without it.
    await this.refresh();
    const result = await this.#runner.query<HourRow>(
      'read outcome rollup',
      `SELECT template_id, version, (extract(epoch FROM hour) * 1000)::float8 AS hour_ms, status, reason, sum(count)::float8 AS count
         FROM (
           SELECT template_id, version, hour, status, reason, count FROM outcome_rollup
            WHERE activity_id = $1 AND hour >= $2::timestamptz AND hour < $3::timestamptz
           UNION ALL
           SELECT template_id, version, hour, status, reason, delta FROM outcome_inbox_deltas
            WHERE activity_id = $1 AND hour >= $2::timestamptz AND hour < $3::timestamptz
         ) counts
        GROUP BY template_id, version, hour, status, reason`,
      [activityId, isoAt(fromMs), isoAt(toMs)],
    );
    return result.rows.map((row) => ({
      templateId: row.template_id,
      version: row.version,
      hourMs: row.hour_ms,
      status: row.status,
      reason: row.reason,
      count: row.count,
    }));
  }
}

interface HourRow {
  template_id: string;
  version: string;
  hour_ms: number;
  status: RollupStatus;
  reason: string;
  count: number;
}
