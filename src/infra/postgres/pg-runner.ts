import type pg from 'pg';
import { type RetryPolicy, withRetry } from '../../domain/retry-policy.js';
import { toStrategyCenterError } from './pg-errors.js';

export type PgRetryPolicy = RetryPolicy;

export const DEFAULT_PG_RETRY_POLICY: PgRetryPolicy = { attempts: 5, baseDelayMs: 25, maxDelayMs: 800, jitter: 'half' };

/**
 * Returned by a unit of work that decided to undo its writes (e.g. it deducted stock, then found
 * the idempotency key taken): the transaction is rolled back and `value` is still the answer.
 */
export class Rollback<T> {
  constructor(readonly value: T) {}
}

type Values = readonly unknown[];

/**
 * Runs statements and transactions with the adapter's retry policy. Every attempt maps failures
 * through `pg-errors.ts`; only transient ones are retried, each time on a fresh connection,
 * because a connection that failed mid-transaction cannot be trusted again.
 */
export class PgRunner {
  readonly #pool: pg.Pool;
  readonly #policy: PgRetryPolicy;

  constructor(pool: pg.Pool, policy: PgRetryPolicy = DEFAULT_PG_RETRY_POLICY) {
    this.#pool = pool;
    this.#policy = policy;
  }

  /** One statement in its own implicit transaction. Callers pass only statements safe to repeat. */
  query<R extends pg.QueryResultRow>(operation: string, text: string, values: Values = []): Promise<pg.QueryResult<R>> {
    return this.#withRetry(operation, () => this.#pool.query<R>(text, [...values]));
  }

  /**
   * `work` runs between BEGIN and COMMIT; a throw rolls back, a `Rollback` value rolls back and
   * answers. The whole transaction is retried, so `work` must be idempotent as a unit.
   */
  transaction<T>(operation: string, work: (client: pg.PoolClient) => Promise<T | Rollback<T>>): Promise<T> {
    return this.#withRetry(operation, () => this.#attempt(work));
  }

  async #attempt<T>(work: (client: pg.PoolClient) => Promise<T | Rollback<T>>): Promise<T> {
    const client = await this.#pool.connect();
    // A checked-out client whose backend dies between two of our queries emits 'error'; without a
    // listener that would crash the process. The failure also reaches the next query, so keeping
    // the fact that it happened is enough.
    let connectionLost = false;
    const onConnectionError = () => {
      connectionLost = true;
    };
    client.on('error', onConnectionError);
    let reusable = true;
    try {
      await client.query('BEGIN');
      const outcome = await work(client);
      if (outcome instanceof Rollback) {
        await client.query('ROLLBACK');
        return outcome.value;
      }
      await client.query('COMMIT');
      return outcome;
    } catch (error) {
      reusable = await rollbackQuietly(client);
      throw error;
    } finally {
      client.off('error', onConnectionError);
      // Passing true destroys the client so that the pool opens a fresh connection next time.
      client.release(!reusable || connectionLost);
    }
  }

  #withRetry<T>(operation: string, run: () => Promise<T>): Promise<T> {
    return withRetry(run, this.#policy, { mapError: (cause) => toStrategyCenterError(cause, operation) });
  }
}

/** True when the connection is still in a known state after the rollback. */
async function rollbackQuietly(client: pg.PoolClient): Promise<boolean> {
  try {
    await client.query('ROLLBACK');
    return true;
  } catch {
    return false;
  }
}
