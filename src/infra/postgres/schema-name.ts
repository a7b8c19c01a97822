import { InvalidConfigError } from '../../domain/errors.js';

export const DEFAULT_SCHEMA = 'strategy_center';

/**
 * Lower-case identifiers only: the name is used unquoted in `search_path` (where PostgreSQL would
 * fold case) and in advisory-lock keys, so anything wider would be a source of surprises.
 */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function checkSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new InvalidConfigError([
      { path: 'database.schema', message: `expected a lower-case identifier ([a-z_][a-z0-9_]*, at most 63), got '${schema}'` },
    ]);
  }
  return schema;
}
