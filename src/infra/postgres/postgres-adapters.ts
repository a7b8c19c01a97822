import pg from 'pg';
import type { ActivityRepository } from '../../domain/ports/activity-repository.js';
import type { ApiClientStore } from '../../domain/ports/api-client-store.js';
import type { ChangeLog } from '../../domain/ports/change-log.js';
import type { DeadLetterStore } from '../../domain/ports/dead-letter-store.js';
import type { OutcomeLog } from '../../domain/ports/outcome-log.js';
import type { RightsLedger } from '../../domain/ports/rights-ledger.js';
import type { TemplateStore } from '../../domain/ports/template-store.js';
import { migrate, pendingMigrations } from './migrate.js';
import { PgRunner } from './pg-runner.js';
import { PostgresActivityRepository } from './postgres-activity-repository.js';
import { PostgresApiClientStore } from './postgres-api-client-store.js';
import { PostgresChangeFeed } from './postgres-change-feed.js';
import { PostgresChangeLog } from './postgres-change-log.js';
import { PostgresDeadLetterStore } from './postgres-dead-letter-store.js';
import { PostgresOutcomeLog } from './postgres-outcome-log.js';
import { PostgresRightsLedger } from './postgres-rights-ledger.js';
import { PostgresTemplateStore } from './postgres-template-store.js';
import { checkSchemaName, DEFAULT_SCHEMA } from './schema-name.js';

export interface PostgresAdapterOptions {
  readonly url: string;
  /** The change feed's LISTEN needs a session, which a transaction pooler cannot give; default `url`. */
  readonly listenUrl?: string;
  /** Every table lives in this schema, created if missing; default `strategy_center`. */
  readonly schema?: string;
  /** Apply pending migrations before returning; default false (run `strategy-center migrate`). */
  readonly migrate?: boolean;
  /** Connections in the pool; default 10. */
  readonly poolSize?: number;
  /** Faults of the change feed's LISTEN connection, which reconnects by itself. */
  readonly onChangeFeedError?: (error: Error) => void;
}

export interface PostgresAdapters {
  readonly pool: pg.Pool;
  readonly activities: ActivityRepository;
  readonly ledger: RightsLedger;
  readonly deadLetters: DeadLetterStore;
  readonly templates: TemplateStore;
  readonly changeLog: ChangeLog;
  readonly clients: ApiClientStore;
  /** Outcomes for the stats endpoint, counted per hour (migration 006). */
  readonly outcomes: OutcomeLog;
  /** LISTEN/NOTIFY on a channel named after the schema; closed with the adapters. */
  readonly changeFeed: PostgresChangeFeed;
  /** Applies pending migrations; returns the names applied now. */
  migrate(): Promise<string[]>;
  /** Migrations not yet applied. */
  pending(): Promise<string[]>;
  /** The schema every table lives in. */
  readonly schema: string;
  close(): Promise<void>;
}

const DEFAULT_POOL_SIZE = 10;
/** Waiting longer than this for a connection is treated as a transient failure (and retried). */
const CONNECTION_TIMEOUT_MS = 10_000;

/** The PostgreSQL-backed ports, sharing one pool whose every connection works in `schema`. */
export async function createPostgresAdapters(options: PostgresAdapterOptions): Promise<PostgresAdapters> {
  const schema = checkSchemaName(options.schema ?? DEFAULT_SCHEMA);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    connectionTimeoutMillis: CONNECTION_TIMEOUT_MS,
    // Set at connection start, so no query can run in the wrong schema; this is also what lets
    // tests (and tenants) isolate themselves in a schema of their own.
    options: `-c search_path=${schema}`,
  });
  // An idle connection that dies (server restart, pg_terminate_backend) is reported here; the pool
  // already dropped it and opens a new one on demand, so there is nothing to do but not crash.
  pool.on('error', () => {});
  const runner = new PgRunner(pool);
  const changeFeed = new PostgresChangeFeed(runner, {
    url: options.listenUrl ?? options.url,
    schema,
    ...(options.onChangeFeedError ? { onError: options.onChangeFeedError } : {}),
  });
  // pg refuses a second end(); callers (shutdown hooks, tests) may well close twice.
  let closing: Promise<void> | undefined;
  const adapters: PostgresAdapters = {
    pool,
    activities: new PostgresActivityRepository(runner),
    ledger: new PostgresRightsLedger(runner),
    deadLetters: new PostgresDeadLetterStore(runner),
    templates: new PostgresTemplateStore(runner),
    changeLog: new PostgresChangeLog(runner),
    clients: new PostgresApiClientStore(runner),
    outcomes: new PostgresOutcomeLog(runner, schema),
    changeFeed,
    migrate: () => migrate(runner, schema),
    pending: () => pendingMigrations(runner, schema),
    schema,
    close: () => {
      closing ??= changeFeed.close().then(() => pool.end());
      return closing;
    },
  };
  if (options.migrate) {
    try {
      await adapters.migrate();
    } catch (error) {
      await adapters.close();
      throw error;
    }
  }
  return adapters;
}
