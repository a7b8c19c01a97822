import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../../../src/domain/errors.js';
import { loadMigrations, migrate } from '../../../src/infra/postgres/migrate.js';
import { PgRunner } from '../../../src/infra/postgres/pg-runner.js';
import { createPostgresAdapters } from '../../../src/infra/postgres/postgres-adapters.js';
import { DATABASE_URL, uniqueName } from '../../support/services.js';
import { dropSchema } from './postgres-test-schema.js';

describe('PostgreSQL migrations', () => {
  let schema: string;
  let admin: pg.Client;

  beforeEach(async () => {
    schema = uniqueName('migrate');
    admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
  });
  afterEach(async () => {
    await dropSchema(schema);
    await admin.end();
  });

  async function tablesIn(name: string): Promise<string[]> {
    const { rows } = await admin.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
      [name],
    );
    return rows.map((row) => row.table_name);
  }

  it('loads the SQL files kept beside the migrator, in order', async () => {
    const migrations = await loadMigrations();
    expect(migrations[0]?.name).toBe('001_initial');
    expect(migrations.map((m) => m.name)).toEqual([...migrations.map((m) => m.name)].sort());
    expect(migrations.every((m) => m.sql.trim().length > 0)).toBe(true);
  });

  it('creates the schema, applies every migration once and records it', async () => {
    const adapters = await createPostgresAdapters({ url: DATABASE_URL, schema });
    try {
      const names = (await loadMigrations()).map((m) => m.name);
      expect(await adapters.migrate()).toEqual(names);
      expect(await adapters.migrate()).toEqual([]);
      expect(await tablesIn(schema)).toEqual([
        'activities',
        'api_clients',
        'assets',
        'benefit_pool_slots',
        'benefit_pools',
        'config_changes',
        'dead_letters',
        'file_applied',
        'outcome_assets',
        'outcome_inbox',
        'outcome_inbox_deltas',
        'outcome_rollup',
        'schema_migrations',
        'templates',
      ]);
      const { rows } = await admin.query<{ name: string }>(
        `SELECT name FROM ${pg.escapeIdentifier(schema)}.schema_migrations ORDER BY name`,
      );
      expect(rows.map((row) => row.name)).toEqual(names);
    } finally {
      await adapters.close();
    }
  });

  it('is safe when several processes migrate at once: one applies, the others find nothing to do', async () => {
    const processes = await Promise.all(
      Array.from({ length: 5 }, () => createPostgresAdapters({ url: DATABASE_URL, schema, poolSize: 2 })),
    );
    try {
      const applied = await Promise.all(processes.map((p) => p.migrate()));
      expect(applied.filter((names) => names.length > 0)).toHaveLength(1);
      expect(applied.flat()).toEqual((await loadMigrations()).map((m) => m.name));
    } finally {
      await Promise.all(processes.map((p) => p.close()));
    }
  });

  it('a failing migration leaves nothing behind, not even the schema', async () => {
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1, options: `-c search_path=${schema}` });
    try {
      const broken = [...(await loadMigrations()), { name: '999_broken', sql: 'CREATE TABLE half_done (id int); SELECT 1 / 0;' }];
      await expect(migrate(new PgRunner(pool), schema, broken)).rejects.toMatchObject({ code: 'internal' });
      const { rows } = await admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      expect(rows).toEqual([]);
    } finally {
      await pool.end();
    }
  });

  it('keeps each deployment in its own schema and nothing in public', async () => {
    const adapters = await createPostgresAdapters({ url: DATABASE_URL, schema, migrate: true });
    try {
      await adapters.ledger.ensurePool('p', 1);
      const { rows } = await admin.query(
        `SELECT 1 FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'benefit_pools'`,
      );
      expect(rows).toEqual([]);
      expect(await tablesIn(schema)).toContain('benefit_pools');
    } finally {
      await adapters.close();
    }
  });

  it('004 turns single-row pools holding assets into slot rows without losing a count, and issuance goes on', async () => {
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2, options: `-c search_path=${schema}` });
    const all = await loadMigrations();
    const upTo003 = all.filter((m) => m.name < '004');
    try {
      await migrate(new PgRunner(pool), schema, upTo003);
      // A deployment on 003: two pools issued from through issue_asset, one of them sold out.
      const s = pg.escapeIdentifier(schema);
      await admin.query(`INSERT INTO ${s}.benefit_pools (id, total, remaining) VALUES ('busy', 10, 10), ('gone', 2, 2), ('fresh', 5, 5)`);
      const issue = (poolId: string, user: string) =>
        admin.query(
          `SELECT r_outcome FROM ${s}.issue_asset('act', $1, $2, 1, now(), now() + interval '1 day', 'act:' || $1 || ':0', 'e-' || $1)`,
          [user, poolId],
        );
      await admin.query(`SET search_path TO ${s}`);
      for (const user of ['a', 'b', 'c']) await issue('busy', user);
      for (const user of ['d', 'e', 'f']) await issue('gone', user);
      await admin.query('SET search_path TO public');

      expect(await migrate(new PgRunner(pool), schema, all)).toEqual(all.filter((m) => m.name >= '004').map((m) => m.name));
      const adapters = await createPostgresAdapters({ url: DATABASE_URL, schema, poolSize: 2 });
      try {
        expect(await adapters.ledger.stock('busy')).toEqual({ pool: 'busy', total: 10, remaining: 7 });
        expect(await adapters.ledger.stock('gone')).toEqual({ pool: 'gone', total: 2, remaining: 0 });
        expect(await adapters.ledger.stock('fresh')).toEqual({ pool: 'fresh', total: 5, remaining: 5 });
        const { rows: slots } = await admin.query(`SELECT pool, slot, remaining FROM ${s}.benefit_pool_slots ORDER BY pool`);
        expect(slots).toEqual([
          { pool: 'busy', slot: 0, remaining: 7 },
          { pool: 'fresh', slot: 0, remaining: 5 },
          { pool: 'gone', slot: 0, remaining: 0 },
        ]);
        // Re-sharding at the next start keeps what was taken; issuance and the old assets carry on.
        expect(await adapters.ledger.ensurePool('busy', 10, 4)).toEqual({ pool: 'busy', total: 10, remaining: 7 });
        expect(await adapters.ledger.ensurePool('gone', 2, 4)).toEqual({ pool: 'gone', total: 2, remaining: 0 });
        const { rows: spread } = await admin.query(`SELECT slot, remaining FROM ${s}.benefit_pool_slots WHERE pool = 'busy' ORDER BY slot`);
        expect(spread).toEqual([
          { slot: 0, remaining: 2 },
          { slot: 1, remaining: 2 },
          { slot: 2, remaining: 2 },
          { slot: 3, remaining: 1 },
        ]);
        const request = { activityId: 'act', pool: 'busy', perUser: 1, validForMs: 86_400_000, nowMs: Date.now() };
        expect(await adapters.ledger.issueNext({ ...request, userId: 'a', eventId: 'e-a' })).toMatchObject({ kind: 'caused' });
        expect(await adapters.ledger.issueNext({ ...request, userId: 'z', eventId: 'e-z' })).toMatchObject({ kind: 'issued' });
        expect(await adapters.ledger.issueNext({ ...request, userId: 'd', eventId: 'e-d2', pool: 'gone' })).toMatchObject({ kind: 'held' });
        expect(await adapters.ledger.stock('busy')).toEqual({ pool: 'busy', total: 10, remaining: 6 });
        const { rows: counts } = await admin.query(`SELECT pool, count(*)::int AS n FROM ${s}.assets GROUP BY pool ORDER BY pool`);
        expect(counts).toEqual([
          { pool: 'busy', n: 4 },
          { pool: 'gone', n: 2 },
        ]);
      } finally {
        await adapters.close();
      }
    } finally {
      await pool.end();
    }
  });

  it('refuses a schema name that is not a plain lower-case identifier', async () => {
    for (const bad of ['Strategy', 'a-b', 'x"; DROP SCHEMA public; --', '', '1abc']) {
      await expect(createPostgresAdapters({ url: DATABASE_URL, schema: bad })).rejects.toBeInstanceOf(InvalidConfigError);
    }
  });
});
