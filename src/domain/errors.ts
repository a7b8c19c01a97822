/**
 * The one error hierarchy of strategy-center. Every fault carries a stable `code`, structured
 * `details` and a retry verdict, so that consumers decide ack / retry / dead-letter from the error
 * alone and the HTTP edge picks a status from the code alone.
 *
 * Expected business outcomes (rejected, existing, out of stock) are values, never these errors.
 */
export type ErrorCode =
  | 'invalid_input'
  | 'invalid_config'
  | 'not_found'
  | 'conflict'
  | 'unauthorized'
  | AuthenticationFailure
  | 'forbidden_scope'
  | 'rate_limited'
  | 'lock_lost'
  | 'fenced_write'
  | 'unavailable'
  | 'timeout'
  | 'internal';

export interface ErrorDetail {
  /** Path of the offending field, e.g. `activities[0].benefit.stock` or `body.userId`. */
  path: string;
  message: string;
}

export class StrategyCenterError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: readonly ErrorDetail[];

  constructor(code: ErrorCode, message: string, options: { retryable?: boolean; details?: readonly ErrorDetail[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details ?? [];
  }
}

/** Input that can never succeed as sent: a bad body, message or config. Never retried. */
export class InvalidInputError extends StrategyCenterError {
  constructor(message: string, details: readonly ErrorDetail[] = []) {
    super('invalid_input', message, { details });
  }
}

export class InvalidConfigError extends StrategyCenterError {
  constructor(details: readonly ErrorDetail[]) {
    super('invalid_config', formatDetails('invalid configuration', details), { details });
  }
}

export class NotFoundError extends StrategyCenterError {
  constructor(what: string, id: string) {
    super('not_found', `${what} '${id}' does not exist`, { details: [{ path: what, message: `no ${what} with id '${id}'` }] });
  }
}

/** The request contradicts recorded state (e.g. redeeming an expired asset). Not retryable. */
export class ConflictError extends StrategyCenterError {
  constructor(message: string, details: readonly ErrorDetail[] = []) {
    super('conflict', message, { details });
  }
}

export class UnauthorizedError extends StrategyCenterError {
  constructor(message = 'a valid bearer token is required') {
    super('unauthorized', message);
  }
}

/** Why a signed client request was refused; each is answered 401 with this code. */
export type AuthenticationFailure = 'missing_signature' | 'bad_signature' | 'expired' | 'replayed' | 'unknown_client';

/** A client request that does not prove who sent it. The message says what to fix; no secret is ever in it. */
export class AuthenticationError extends StrategyCenterError {
  constructor(code: AuthenticationFailure, message: string, details: readonly ErrorDetail[] = []) {
    super(code, message, { details });
  }
}

/** An authenticated client asked for something its scopes do not grant. */
export class ForbiddenScopeError extends StrategyCenterError {
  readonly scope: string;

  constructor(clientId: string, scope: string) {
    super('forbidden_scope', `client '${clientId}' lacks the scope '${scope}' this request needs`, {
      details: [{ path: 'scope', message: `needs '${scope}'` }],
    });
    this.scope = scope;
  }
}

/** A caller went over its rate limit; it may send again after `retryAfterS`. */
export class RateLimitedError extends StrategyCenterError {
  readonly retryAfterS: number;

  constructor(what: string, max: number, windowMs: number, retryAfterS: number) {
    super('rate_limited', `rate limit of ${what} reached: ${max} requests per ${windowMs} ms; retry after ${retryAfterS} s`, {
      details: [{ path: 'rateLimit', message: `${max} per ${windowMs} ms for ${what}` }],
    });
    this.retryAfterS = retryAfterS;
  }
}

/** A downstream system failed in a way that may pass: retry with backoff. */
export class TransientError extends StrategyCenterError {
  constructor(message: string, cause?: unknown) {
    super('unavailable', message, { retryable: true, cause });
  }
}

/** The instance lock was lost while the chain ran (expired, taken over). The chain must stop. */
export class LockLostError extends StrategyCenterError {
  constructor(lockKey: string) {
    super('lock_lost', `lock '${lockKey}' was lost while the chain was running`, { retryable: true });
  }
}

/** A write carried a fencing token older than the newest lock holder's: a stale holder's write. */
export class FencedWriteError extends StrategyCenterError {
  constructor(key: string, fence: number, current: number) {
    super('fenced_write', `write to '${key}' refused: fencing token ${fence} is older than ${current}`, {
      details: [{ path: 'fence', message: `stale token ${fence}, current ${current}` }],
    });
  }
}

export function formatDetails(prefix: string, details: readonly ErrorDetail[]): string {
  if (details.length === 0) return prefix;
  return `${prefix}: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`;
}

/** Classifies any thrown value: only our errors say they are retryable; unknown faults are not. */
export function isRetryable(error: unknown): boolean {
  return error instanceof StrategyCenterError && error.retryable;
}
