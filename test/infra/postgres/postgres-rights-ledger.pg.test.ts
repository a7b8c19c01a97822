import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StrategyCenterError, TransientError } from '../../../src/domain/errors.js';
import { issuanceKey } from '../../../src/domain/idempotency-key.js';
import type { IssueRequest, IssueResult } from '../../../src/domain/ports/rights-ledger.js';
import { createPostgresAdapters, type PostgresAdapters } from '../../../src/infra/postgres/postgres-adapters.js';
import { DATABASE_URL, uniqueName } from '../../support/services.js';
import { adaptersInFreshSchema } from './postgres-test-schema.js';

const NOW = Date.parse('2026-03-01T10:00:00.000Z');
const ACTIVITY = 'act-1001';
const POOL = 'coupon-10off';

function request(userId: string, overrides: Partial<IssueRequest> = {}): IssueRequest {
  return {
    activityId: ACTIVITY,
    userId,
    pool: POOL,
    perUser: 1,
    validForMs: 7 * 86_400_000,
    idempotencyKey: issuanceKey(ACTIVITY, userId, 0),
    eventId: `evt-${userId}`,
    nowMs: NOW,
    ...overrides,
  };
}

const users = (n: number) => Array.from({ length: n }, (_, i) => `user-${i}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What the ledger's tables say, read straight from SQL rather than through the port. */
async function ledgerTotals(admin: pg.Client, schema: string) {
  const s = pg.escapeIdentifier(schema);
  const { rows } = await admin.query<{ total: number; remaining: number; assets: number; keys: number; most_per_user: number }>(
    `SELECT p.total,
       (SELECT coalesce(sum(remaining), 0)::int FROM ${s}.benefit_pool_slots WHERE pool = p.id) AS remaining,
       (SELECT count(*)::int FROM ${s}.assets WHERE pool = p.id) AS assets,
       (SELECT count(DISTINCT idempotency_key)::int FROM ${s}.assets WHERE pool = p.id) AS keys,
       (SELECT coalesce(max(n), 0)::int FROM (SELECT count(*) AS n FROM ${s}.assets GROUP BY activity_id, user_id) per_user) AS most_per_user
     FROM ${s}.benefit_pools p WHERE p.id = $1`,
    [POOL],
  );
  const [totals] = rows;
  if (!totals) throw new Error(`pool ${POOL} missing`);
  return totals;
}

describe('PostgreSQL rights ledger', () => {
  let adapters: (PostgresAdapters & { schema: string }) | undefined;
  let admin: pg.Client;

  /** Adapters on a fresh schema, closed (and the schema dropped) after the test. */
  async function fresh(purpose: string, options: { poolSize?: number; url?: string } = {}) {
    adapters = await adaptersInFreshSchema(purpose, options);
    return adapters;
  }

  beforeEach(async () => {
    admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
  });
  afterEach(async () => {
    await adapters?.close();
    adapters = undefined;
    await admin.end();
  });

  it('a backend terminated mid-issuance: each issuance is retried or fails cleanly, and stock plus assets add up', async () => {
    // The application name lets the admin connection find exactly this pool's backends.
    const applicationName = uniqueName('terminated');
    const { ledger, schema } = await fresh('terminate', { poolSize: 8, url: `${DATABASE_URL}?application_name=${applicationName}` });
    const stock = 300;
    const everyone = users(400);
    await ledger.ensurePool(POOL, stock);

    let storming = true;
    let terminated = 0;
    const killer = (async () => {
      while (storming) {
        // Two backends at a time that are inside a statement or a transaction: "mid-issuance".
        // Paced so that most issuances get through within their retries and some do not.
        const { rows } = await admin.query<{ killed: number }>(
          `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS killed
           FROM (SELECT pid FROM pg_stat_activity
                 WHERE application_name = $1 AND state IN ('active', 'idle in transaction')
                 ORDER BY random() LIMIT 2) busy`,
          [applicationName],
        );
        terminated += rows[0]?.killed ?? 0;
        await sleep(10 + Math.random() * 20);
      }
    })();

    // Three clicks per user, all in the same round (same key), as a retried event would send.
    const clicks = [...everyone, ...everyone, ...everyone].map((user) => ledger.issue(request(user)));
    const settled = await Promise.allSettled(clicks);
    storming = false;
    await killer;

    expect(terminated).toBeGreaterThan(0);
    const failures = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason] : []));
    // Failing cleanly means a retryable error that says so, never a crash or a wrong answer.
    for (const failure of failures) expect(failure).toBeInstanceOf(TransientError);
    const answers = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    expect(answers.length).toBeGreaterThan(0);

    const afterStorm = await ledgerTotals(admin, schema);
    expect(afterStorm.total - afterStorm.remaining).toBe(afterStorm.assets);
    expect(afterStorm.keys).toBe(afterStorm.assets);
    expect(afterStorm.most_per_user).toBeLessThanOrEqual(1);
    const issuedIds = answers.flatMap((a) => (a.kind === 'issued' ? [a.asset.id] : []));
    expect(new Set(issuedIds).size).toBe(issuedIds.length);
    expect(issuedIds.length).toBeLessThanOrEqual(afterStorm.assets);

    // Once the storm is over every user clicks again in the same round: those who got an asset
    // get the same one back, and the rest take what stock is left — exactly all of it.
    const assetOf = new Map(answers.flatMap((a) => ('asset' in a ? [[a.asset.userId, a.asset.id] as const] : [])));
    const retried: IssueResult[] = await Promise.all(everyone.map((user) => ledger.issue(request(user))));
    for (const [i, result] of retried.entries()) {
      const before = assetOf.get(everyone[i] ?? '');
      if (before !== undefined) expect(result).toMatchObject({ asset: { id: before } });
    }
    const settledTotals = await ledgerTotals(admin, schema);
    expect(settledTotals).toEqual({ total: stock, remaining: 0, assets: stock, keys: stock, most_per_user: 1 });
    expect(retried.filter((r) => r.kind === 'out_of_stock')).toHaveLength(everyone.length - stock);
  });

  it('two processes issuing at once share one stock and one per-user bound', async () => {
    const { ledger, schema } = await fresh('two_processes', { poolSize: 8 });
    // A second pool on the same schema stands for a second process: nothing is shared but the database.
    const other = await createPostgresAdapters({ url: DATABASE_URL, schema, poolSize: 8 });
    try {
      await ledger.ensurePool(POOL, 60);
      const everyone = users(100);
      // Each user clicks once in each process, in different rounds, so only the advisory lock
      // (not the unique key) keeps a user from getting two.
      const results = await Promise.all([
        ...everyone.map((user) => ledger.issue(request(user))),
        ...everyone.map((user) => other.ledger.issue(request(user, { idempotencyKey: issuanceKey(ACTIVITY, user, 1), perUser: 3 }))),
      ]);
      expect(results.filter((r) => r.kind === 'issued')).toHaveLength(60);
      expect(await ledgerTotals(admin, schema)).toEqual({ total: 60, remaining: 0, assets: 60, keys: 60, most_per_user: 1 });
    } finally {
      await other.close();
    }
  });

  it('a failure after the stock was taken rolls the whole issuance back', async () => {
    const { ledger } = await fresh('rollback');
    await ledger.ensurePool(POOL, 5);
    // PostgreSQL text refuses NUL, so the asset insert fails after the stock UPDATE succeeded.
    const failing = ledger.issue(request('u1', { eventId: 'evt-\u0000' }));
    await expect(failing).rejects.toBeInstanceOf(StrategyCenterError);
    await expect(failing).rejects.toMatchObject({ code: 'internal', retryable: false });
    expect(await ledger.stock(POOL)).toEqual({ pool: POOL, total: 5, remaining: 5 });
    expect(await ledger.listAssets(ACTIVITY, 'u1')).toEqual([]);
    expect((await ledger.issue(request('u1'))).kind).toBe('issued');
  });

  it('reusing a key taken by another instance returns that asset and gives the stock back', async () => {
    const { ledger } = await fresh('foreign_key');
    await ledger.ensurePool(POOL, 5);
    const first = await ledger.issue(request('u1', { idempotencyKey: 'shared' }));
    const second = await ledger.issue(request('u2', { idempotencyKey: 'shared' }));
    expect(second).toEqual({ kind: 'existing', asset: first.kind === 'issued' ? first.asset : undefined });
    expect((await ledger.stock(POOL))?.remaining).toBe(4);
  });

  it('rejects a stock that is not a whole number in range', async () => {
    const { ledger } = await fresh('bad_stock');
    for (const total of [-1, 1.5, Number.NaN, 2 ** 31]) {
      await expect(ledger.ensurePool(POOL, total)).rejects.toMatchObject({ code: 'invalid_input' });
    }
    expect(await ledger.stock(POOL)).toBeUndefined();
  });

  it('reports an unreachable database as a transient error after retrying', async () => {
    const unreachable = await createPostgresAdapters({ url: 'postgres://postgres@127.0.0.1:1/test', schema: uniqueName('nowhere') });
    try {
      await expect(unreachable.ledger.stock(POOL)).rejects.toBeInstanceOf(TransientError);
      await expect(unreachable.ledger.issue(request('u1'))).rejects.toMatchObject({ code: 'unavailable', retryable: true });
    } finally {
      await unreachable.close();
    }
    // Closing twice (a shutdown hook after a failed start) is harmless.
    await expect(unreachable.close()).resolves.toBeUndefined();
  });
});
