import type { ApiClientStore, StoredClient, StoredRateLimit } from '../../domain/ports/api-client-store.js';
import type { PgRunner } from './pg-runner.js';

interface ClientRow {
  id: string;
  scopes: string[];
  rate_limit: StoredRateLimit | null;
  secret_env: string | null;
  secrets: string[] | null;
}

const COLUMNS = 'id, scopes, rate_limit, secret_env, secrets';

/** Clients declared through the admin API, in `api_clients` (migration 005), shared by every process. */
export class PostgresApiClientStore implements ApiClientStore {
  readonly #runner: PgRunner;

  constructor(runner: PgRunner) {
    this.#runner = runner;
  }

  async list(): Promise<readonly StoredClient[]> {
    const result = await this.#runner.query<ClientRow>('list api clients', `SELECT ${COLUMNS} FROM api_clients ORDER BY id`);
    return result.rows.map(toClient);
  }

  async get(id: string): Promise<StoredClient | undefined> {
    const result = await this.#runner.query<ClientRow>('get api client', `SELECT ${COLUMNS} FROM api_clients WHERE id = $1`, [id]);
    const row = result.rows[0];
    return row && toClient(row);
  }

  async put(client: StoredClient): Promise<StoredClient | undefined> {
    // The row before, read in the same statement that replaces it: one answer per concurrent writer.
    const result = await this.#runner.query<ClientRow>(
      'put api client',
      `WITH before AS (SELECT ${COLUMNS} FROM api_clients WHERE id = $1 FOR UPDATE),
       written AS (
         INSERT INTO api_clients (id, scopes, rate_limit, secret_env, secrets) VALUES ($1, $2::text[], $3::jsonb, $4, $5::text[])
         ON CONFLICT (id) DO UPDATE SET scopes = EXCLUDED.scopes, rate_limit = EXCLUDED.rate_limit,
           secret_env = EXCLUDED.secret_env, secrets = EXCLUDED.secrets, updated_at = now()
       )
       SELECT ${COLUMNS} FROM before`,
      [
        client.id,
        [...client.scopes],
        client.rateLimit === undefined ? null : JSON.stringify(client.rateLimit),
        client.secretEnv ?? null,
        client.secrets === undefined ? null : [...client.secrets],
      ],
    );
    const row = result.rows[0];
    return row && toClient(row);
  }

  async delete(id: string): Promise<StoredClient | undefined> {
    const result = await this.#runner.query<ClientRow>('delete api client', `DELETE FROM api_clients WHERE id = $1 RETURNING ${COLUMNS}`, [
      id,
    ]);
    const row = result.rows[0];
    return row && toClient(row);
  }
}

function toClient(row: ClientRow): StoredClient {
  return {
    id: row.id,
    scopes: row.scopes,
    ...(row.rate_limit === null ? {} : { rateLimit: row.rate_limit }),
    ...(row.secret_env === null ? {} : { secretEnv: row.secret_env }),
    ...(row.secrets === null ? {} : { secrets: row.secrets }),
  };
}
