import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { PgRunner } from './pg-runner.js';
import { checkSchemaName } from './schema-name.js';

export interface Migration {
  /** File name without `.sql`, e.g. `001_initial`; recorded in `schema_migrations`. */
  readonly name: string;
  readonly sql: string;
}

const MIGRATION_FILE = /^(\d+_[a-z0-9_]+)\.sql$/;

/** The SQL files beside this module, in name order (the numeric prefix keeps the order stable). */
export async function loadMigrations(directory: URL = new URL('./migrations/', import.meta.url)): Promise<Migration[]> {
  const path = fileURLToPath(directory);
  const names = (await readdir(path)).filter((file) => MIGRATION_FILE.test(file)).sort();
  return Promise.all(
    names.map(async (file) => ({ name: file.replace(/\.sql$/, ''), sql: await readFile(new URL(file, directory), 'utf8') })),
  );
}

/**
 * Applies the pending migrations to `schema`, creating it if missing, in one transaction: either
 * all pending ones are recorded or none is. The advisory lock makes concurrent starts safe — a
 * second process waits, then finds nothing left to apply. Returns the names applied now.
 */
export async function migrate(runner: PgRunner, schema: string, migrations?: readonly Migration[]): Promise<string[]> {
  checkSchemaName(schema);
  const available = migrations ?? (await loadMigrations());
  const quoted = pg.escapeIdentifier(schema);
  return runner.transaction('migrate', async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`strategy-center:migrate:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
    // The pool's search_path names the schema already, but say it here too so this transaction
    // never depends on how the connection was opened.
    await client.query(`SET LOCAL search_path TO ${quoted}`);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = await client.query<{ name: string }>('SELECT name FROM schema_migrations');
    const applied = new Set(done.rows.map((row) => row.name));
    const pending = available.filter((migration) => !applied.has(migration.name));
    for (const migration of pending) {
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [migration.name]);
    }
    return pending.map((migration) => migration.name);
  });
}

/** The migrations not yet applied to `schema` (all of them when the schema does not exist yet). */
export async function pendingMigrations(runner: PgRunner, schema: string, migrations?: readonly Migration[]): Promise<string[]> {
  checkSchemaName(schema);
  const available = migrations ?? (await loadMigrations());
  const table = await runner.query<{ exists: boolean }>(
    'pending-migrations',
    "SELECT to_regclass(format('%I.schema_migrations', $1::text)) IS NOT NULL AS exists",
    [schema],
  );
  if (!table.rows[0]?.exists) return available.map((migration) => migration.name);
  const done = await runner.query<{ name: string }>(
    'pending-migrations',
    `SELECT name FROM ${pg.escapeIdentifier(schema)}.schema_migrations`,
  );
  const applied = new Set(done.rows.map((row) => row.name));
  return available.filter((migration) => !applied.has(migration.name)).map((migration) => migration.name);
}
