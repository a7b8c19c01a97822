import { HOUR_MS } from '../../domain/activity-stats.js';
import {
  type HourlyOutcomeCount,
  type OutcomeLog,
  type OutcomeRecord,
  type RollupStatus,
  UNKNOWN_VERSION,
} from '../../domain/ports/outcome-log.js';

interface VersionOf {
  readonly templateId: string;
  readonly version: string;
}

/**
 * The hourly counts in this process, folded as records are appended (there is no one else to
 * fold them). The same rules as the PostgreSQL rollup (migration 006): an issuance counts as
 * `expiring` in its asset's expiry hour, a redemption takes it back and counts under the version
 * the asset was issued under.
 */
export class MemoryOutcomeLog implements OutcomeLog {
  /** One mutable row per activity × version × hour × status × reason: counting allocates nothing once the row exists. */
  readonly #counts = new Map<string, { activityId: string; count: { -readonly [K in keyof HourlyOutcomeCount]: HourlyOutcomeCount[K] } }>();
  readonly #assetVersions = new Map<string, VersionOf>();

  async append(records: readonly OutcomeRecord[]): Promise<void> {
    for (const record of records) {
      switch (record.kind) {
        case 'issued':
          this.#assetVersions.set(record.assetId, record);
          this.#add(record.activityId, record, record.atMs, 'issued', '', 1);
          this.#add(record.activityId, record, record.expiresAtMs, 'expiring', '', 1);
          break;
        case 'redeemed': {
          const issuedUnder = this.#assetVersions.get(record.assetId);
          this.#add(record.activityId, issuedUnder ?? UNKNOWN_VERSION, record.atMs, 'redeemed', '', 1);
          if (issuedUnder) this.#add(record.activityId, issuedUnder, record.expiresAtMs, 'expiring', '', -1);
          break;
        }
        default:
          this.#add(record.activityId, record, record.atMs, record.kind, record.reason, 1);
      }
    }
  }

  async refresh(): Promise<number> {
    return 0;
  }

  async hourly(activityId: string, fromMs: number, toMs: number): Promise<readonly HourlyOutcomeCount[]> {
    const rows: HourlyOutcomeCount[] = [];
    for (const entry of this.#counts.values()) {
      if (entry.activityId === activityId && entry.count.hourMs >= fromMs && entry.count.hourMs < toMs) rows.push({ ...entry.count });
    }
    return rows;
  }

  #add(activityId: string, of: VersionOf, atMs: number, status: RollupStatus, reason: string, delta: number): void {
    const hourMs = Math.floor(atMs / HOUR_MS) * HOUR_MS;
    const key = JSON.stringify([activityId, of.templateId, of.version, hourMs, status, reason]);
    const row = this.#counts.get(key);
    if (row) row.count.count += delta;
    else
      this.#counts.set(key, {
        activityId,
        count: { templateId: of.templateId, version: of.version, hourMs, status, reason, count: delta },
      });
  }
}
