import type { Logger } from 'pino';
import { StrategyCenterError } from '../../domain/errors.js';
import { createPostgresAdapters } from '../../infra/postgres/postgres-adapters.js';
import type { RecordsBackend } from './backends.js';

export interface PostgresRecordsOptions {
  readonly url: string;
  /** A direct (session) connection for the change feed's LISTEN; default `url`. */
  readonly listenUrl?: string;
  readonly schema?: string;
  /** Connections of this process; the adapter's default when unset. */
  readonly poolSize?: number;
  /** Apply pending migrations first; otherwise pending migrations refuse the start. */
  readonly migrate: boolean;
}

/** Durable records in one PostgreSQL schema; a schema with pending migrations is refused, naming DATABASE_URL. */
export async function postgresRecords(options: PostgresRecordsOptions, logger: Logger | undefined): Promise<RecordsBackend> {
  const postgres = await createPostgresAdapters({
    url: options.url,
    ...(options.listenUrl === undefined ? {} : { listenUrl: options.listenUrl }),
    ...(options.schema === undefined ? {} : { schema: options.schema }),
    migrate: options.migrate,
    ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
    onChangeFeedError: (error) => logger?.warn({ err: error }, 'change feed connection lost; reconnecting'),
  });
  try {
    const pending = await postgres.pending();
    if (pending.length > 0) {
      throw new StrategyCenterError(
        'invalid_config',
        `PostgreSQL schema '${postgres.schema}' has ${pending.length} pending migration(s) (${pending.join(', ')}): run \`strategy-center migrate\` or start with MIGRATE=true`,
        { details: [{ path: 'DATABASE_URL', message: `schema '${postgres.schema}' is not migrated` }] },
      );
    }
  } catch (error) {
    await postgres.close();
    throw error;
  }
  return {
    kind: 'postgres',
    activities: postgres.activities,
    ledger: postgres.ledger,
    deadLetters: postgres.deadLetters,
    templateStore: postgres.templates,
    changeLog: postgres.changeLog,
    clientStore: postgres.clients,
    outcomes: postgres.outcomes,
    changeFeed: postgres.changeFeed,
    close: () => postgres.close(),
  };
}
