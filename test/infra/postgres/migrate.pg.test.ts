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
        'assets',
        'benefit_pool_slots',
        'benefit_pools',
        'config_changes',
        'dead_letters',
        'file_applied',
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

  it('refuses a schema name that is not a plain lower-case identifier', async () => {
    for (const bad of ['Strategy', 'a-b', 'x"; DROP SCHEMA public; --', '', '1abc']) {
      await expect(createPostgresAdapters({ url: DATABASE_URL, schema: bad })).rejects.toBeInstanceOf(InvalidConfigError);
    }
  });
});
