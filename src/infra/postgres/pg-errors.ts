import { StrategyCenterError, TransientError } from '../../domain/errors.js';

/**
 * The one place where PostgreSQL and driver failures become strategy-center errors. Everything
 * else in the adapter throws what this returns, so the retry verdict is decided here alone.
 */

/** SQLSTATEs after which the same transaction, run again on a fresh connection, may succeed. */
const TRANSIENT_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '57P01', // admin_shutdown (also pg_terminate_backend)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down)
  '53300', // too_many_connections
  '55P03', // lock_not_available
]);

/** Class 08: connection exceptions. */
const CONNECTION_EXCEPTION_CLASS = '08';

/** Socket errors node reports when the server went away or is not there yet. */
const TRANSIENT_SOCKET_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** The driver reports a lost connection or an exhausted pool with plain messages, not codes. */
const TRANSIENT_DRIVER_MESSAGES = [
  /Connection terminated/i,
  /Client has encountered a connection error and is not queryable/i,
  /timeout exceeded when trying to connect/i,
];

/** SQLSTATE 57014: a statement ran past `statement_timeout` or was cancelled. */
const QUERY_CANCELED = '57014';

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function isTransientPgError(error: unknown): boolean {
  const code = errorCode(error);
  if (code !== undefined) {
    if (TRANSIENT_SQLSTATES.has(code) || TRANSIENT_SOCKET_CODES.has(code)) return true;
    if (code.length === 5 && code.startsWith(CONNECTION_EXCEPTION_CLASS)) return true;
  }
  const message = errorMessage(error);
  return TRANSIENT_DRIVER_MESSAGES.some((pattern) => pattern.test(message));
}

/**
 * Maps any failure of a PostgreSQL operation to our hierarchy: transient ones say they are
 * retryable; anything else (a constraint we did not expect, a bug in SQL) is an internal fault.
 */
export function toStrategyCenterError(error: unknown, operation: string): StrategyCenterError {
  if (error instanceof StrategyCenterError) return error;
  const message = `PostgreSQL ${operation} failed: ${errorMessage(error)}`;
  if (isTransientPgError(error)) return new TransientError(message, error);
  if (errorCode(error) === QUERY_CANCELED) return new StrategyCenterError('timeout', message, { retryable: true, cause: error });
  return new StrategyCenterError('internal', message, { cause: error });
}
