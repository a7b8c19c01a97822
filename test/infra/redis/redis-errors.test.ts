import { describe, expect, it } from 'vitest';
import { FencedWriteError, StrategyCenterError, TransientError } from '../../../src/domain/errors.js';
import { fencedWriteFailure, isTransientRedisError, ScriptStatus, toStrategyCenterError } from '../../../src/infra/redis/redis-errors.js';

function systemError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:6379`), { code });
}

class MaxRetriesPerRequestError extends Error {
  override name = 'MaxRetriesPerRequestError';
}

describe('redis error mapping', () => {
  it.each([
    systemError('ECONNREFUSED'),
    systemError('ECONNRESET'),
    systemError('ETIMEDOUT'),
    new Error('Connection is closed.'),
    new MaxRetriesPerRequestError('Reached the max retries per request limit (which is 2).'),
    new Error('LOADING Redis is loading the dataset in memory'),
    new Error("READONLY You can't write against a read only replica."),
  ])('treats %s as transient', (error) => {
    expect(isTransientRedisError(error)).toBe(true);
    const mapped = toStrategyCenterError(error);
    expect(mapped).toBeInstanceOf(TransientError);
    expect(mapped).toMatchObject({ retryable: true, cause: error });
  });

  it.each([
    new Error('ERR wrong number of arguments'),
    new Error('WRONGTYPE Operation against a key holding the wrong kind of value'),
    new TypeError('x is not a function'),
  ])('passes %s through unchanged', (error) => {
    expect(isTransientRedisError(error)).toBe(false);
    expect(toStrategyCenterError(error)).toBe(error);
  });

  it('maps the stale-fence status to FencedWriteError with both tokens', () => {
    const error = fencedWriteFailure([ScriptStatus.staleFence, 9], { key: 'sc:prepared:{a:u}', fence: 4 });
    expect(error).toBeInstanceOf(FencedWriteError);
    expect(error?.message).toContain('4 is older than 9');
    expect(fencedWriteFailure([ScriptStatus.ok, 0], { key: 'k', fence: 4 })).toBeUndefined();
  });

  it('reports an unknown script reply as an internal fault, not as a retryable one', () => {
    for (const reply of [[-42, 0], 'OK', null]) {
      const error = fencedWriteFailure(reply, { key: 'k', fence: 1 });
      expect(error).toBeInstanceOf(StrategyCenterError);
      expect(error).toMatchObject({ code: 'internal', retryable: false });
    }
  });
});
