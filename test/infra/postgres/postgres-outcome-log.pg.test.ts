import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { describeOutcomeLogConformance } from '../../conformance/outcome-log.conformance.js';
import { DATABASE_URL } from '../../support/services.js';
import { adaptersInFreshSchema } from './postgres-test-schema.js';

describeOutcomeLogConformance('postgres', async () => {
  const adapters = await adaptersInFreshSchema('outcomes');
  return { store: adapters.outcomes, close: adapters.close };
});

describe('PostgreSQL outcome rollup', () => {
  async function countIn(schema: string, table: string): Promise<number> {
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: number }>(`SELECT count(*)::integer AS n FROM ${pg.escapeIdentifier(schema)}.${table}`);
      return rows[0]?.n ?? -1;
    } finally {
      await client.end();
    }
  }

  it('moves the inbox into hourly rows: one rollup row per hour and status, however many outcomes', async () => {
    const adapters = await adaptersInFreshSchema('outcome_rollup');
    try {
      const atMs = Date.parse('2026-03-01T10:15:00Z');
      const records = Array.from({ length: 200 }, (_, i) => ({
        kind: 'issued' as const,
        activityId: 'a1',
        templateId: 'promo',
        version: '1.0',
        atMs: atMs + i,
        assetId: randomUUID(),
        expiresAtMs: atMs + 3_600_000,
      }));
      await adapters.outcomes.append(records);
      expect(await countIn(adapters.schema, 'outcome_inbox')).toBe(200);
      expect(await adapters.outcomes.refresh()).toBe(200);
      expect(await countIn(adapters.schema, 'outcome_inbox')).toBe(0);
      // issued at 10:00 and expiring at 11:00
      expect(await countIn(adapters.schema, 'outcome_rollup')).toBe(2);
      expect(await adapters.outcomes.refresh()).toBe(0);
    } finally {
      await adapters.close();
    }
  });

  it('skips the refresh, without waiting, while another session holds the rollup lock', async () => {
    const adapters = await adaptersInFreshSchema('outcome_lock');
    const holder = new pg.Client({ connectionString: DATABASE_URL });
    await holder.connect();
    try {
      const atMs = Date.parse('2026-03-01T10:15:00Z');
      await adapters.outcomes.append([
        { kind: 'rejected', activityId: 'a1', templateId: 'promo', version: '1.0', atMs, reason: 'out_of_stock' },
      ]);
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`strategy-center:outcome-rollup:${adapters.schema}`]);
      expect(await adapters.outcomes.refresh()).toBe(0);
      // The read does not depend on the refresh: the inbox is counted as it stands.
      const rows = await adapters.outcomes.hourly('a1', atMs - 3_600_000, atMs + 3_600_000);
      expect(rows).toEqual([
        {
          templateId: 'promo',
          version: '1.0',
          hourMs: Date.parse('2026-03-01T10:00:00Z'),
          status: 'rejected',
          reason: 'out_of_stock',
          count: 1,
        },
      ]);
      await holder.query('COMMIT');
      expect(await adapters.outcomes.refresh()).toBe(1);
    } finally {
      await holder.end();
      await adapters.close();
    }
  });
});
