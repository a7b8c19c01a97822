import { FencedWriteError, StrategyCenterError, TransientError } from '../../domain/errors.js';

/**
 * The one place where Redis faults and Lua script statuses become strategy-center errors, so that
 * adapters never inspect error messages or status numbers themselves.
 */

/** First element of a status-returning script's reply (see the scripts' header comments). */
export const ScriptStatus = {
  ok: 0,
  staleFence: -1,
} as const;

/** Turns a `{status, current fence}` reply of a fenced write into nothing (written) or the error. */
export function fencedWriteFailure(reply: unknown, context: { key: string; fence: number | undefined }): StrategyCenterError | undefined {
  if (!Array.isArray(reply) || typeof reply[0] !== 'number') {
    return new StrategyCenterError('internal', `unexpected reply from a fenced write to '${context.key}'`);
  }
  const [status, current] = reply;
  if (status === ScriptStatus.ok) return undefined;
  if (status === ScriptStatus.staleFence && context.fence !== undefined) {
    return new FencedWriteError(context.key, context.fence, typeof current === 'number' ? current : Number.NaN);
  }
  return new StrategyCenterError('internal', `unknown status ${status} from a fenced write to '${context.key}'`);
}

const CONNECTION_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND']);
const CONNECTION_ERROR_NAMES = new Set(['MaxRetriesPerRequestError']);
/** Redis answers these while a replica is promoted or a cluster slot moves: they pass. */
const TRANSIENT_REPLY_PREFIXES = ['LOADING', 'READONLY', 'TRYAGAIN', 'CLUSTERDOWN', 'MASTERDOWN'];
const CONNECTION_CLOSED = 'Connection is closed.';

/** True when the fault is the connection's, not the command's: worth a retry with backoff. */
export function isTransientRedisError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && CONNECTION_ERROR_CODES.has(code)) return true;
  if (CONNECTION_ERROR_NAMES.has(error.name)) return true;
  if (error.message === CONNECTION_CLOSED) return true;
  return TRANSIENT_REPLY_PREFIXES.some((prefix) => error.message.startsWith(prefix));
}

export function toStrategyCenterError(error: unknown): unknown {
  if (isTransientRedisError(error)) {
    const message = error instanceof Error ? error.message : String(error);
    return new TransientError(`redis unavailable: ${message}`, error);
  }
  return error;
}

/** Runs one adapter operation with Redis faults translated; every adapter method goes through it. */
export async function withRedisErrors<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw toStrategyCenterError(error);
  }
}
