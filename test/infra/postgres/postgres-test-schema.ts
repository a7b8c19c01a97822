import pg from 'pg';
import { createPostgresAdapters, type PostgresAdapters } from '../../../src/infra/postgres/postgres-adapters.js';
import { DATABASE_URL, uniqueName } from '../../support/services.js';

/** Adapters on a schema of their own, migrated; `close` ends the pool and drops the schema. */
export async function adaptersInFreshSchema(
  purpose: string,
  options: { poolSize?: number; url?: string } = {},
): Promise<PostgresAdapters & { schema: string }> {
  const schema = uniqueName(purpose);
  const adapters = await createPostgresAdapters({ url: options.url ?? DATABASE_URL, schema, migrate: true, poolSize: options.poolSize });
  return {
    ...adapters,
    schema,
    async close() {
      await adapters.close();
      await dropSchema(schema);
    },
  };
}

export async function dropSchema(schema: string): Promise<void> {
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
  } finally {
    await admin.end();
  }
}
