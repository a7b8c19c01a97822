import { describe, expect, it } from 'vitest';
import { StrategyCenterError, TransientError } from '../../../src/domain/errors.js';
import { isTransientPgError, toStrategyCenterError } from '../../../src/infra/postgres/pg-errors.js';

function withCode(code: string, message = `failure ${code}`): Error {
  return Object.assign(new Error(message), { code });
}

describe('PostgreSQL error mapping', () => {
  it.each([
    ['serialization failure', withCode('40001')],
    ['deadlock', withCode('40P01')],
    ['admin shutdown / pg_terminate_backend', withCode('57P01', 'terminating connection due to administrator command')],
    ['crash shutdown', withCode('57P02')],
    ['cannot connect now', withCode('57P03')],
    ['connection exception', withCode('08006')],
    ['connection does not exist', withCode('08003')],
    ['too many connections', withCode('53300')],
    ['connection reset', withCode('ECONNRESET')],
    ['connection refused', withCode('ECONNREFUSED')],
    ['connection terminated', new Error('Connection terminated unexpectedly')],
    ['broken client', new Error('Client has encountered a connection error and is not queryable')],
    ['pool exhausted', new Error('timeout exceeded when trying to connect')],
  ])('%s is transient and retryable', (_, error) => {
    expect(isTransientPgError(error)).toBe(true);
    const mapped = toStrategyCenterError(error, 'issue');
    expect(mapped).toBeInstanceOf(TransientError);
    expect(mapped).toMatchObject({ code: 'unavailable', retryable: true, cause: error });
    expect(mapped.message).toContain('PostgreSQL issue failed');
  });

  it.each([
    ['unique violation', withCode('23505')],
    ['check violation', withCode('23514')],
    ['syntax error', withCode('42601')],
    ['invalid text', withCode('22P02')],
    ['a code-less bug', new TypeError('x is not a function')],
    ['a thrown string', 'boom'],
  ])('%s is an internal fault, not retried', (_, error) => {
    expect(isTransientPgError(error)).toBe(false);
    expect(toStrategyCenterError(error, 'issue')).toMatchObject({ code: 'internal', retryable: false });
  });

  it('a cancelled statement is a retryable timeout', () => {
    expect(toStrategyCenterError(withCode('57014'), 'issue')).toMatchObject({ code: 'timeout', retryable: true });
  });

  it('our own errors pass through unchanged', () => {
    const ours = new StrategyCenterError('conflict', 'already');
    expect(toStrategyCenterError(ours, 'issue')).toBe(ours);
  });
});
