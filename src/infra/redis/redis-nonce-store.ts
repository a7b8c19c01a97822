import type { NonceStore } from '../../domain/ports/nonce-store.js';
import type { RedisClient } from './redis-connection.js';
import { withRedisErrors } from './redis-errors.js';
import { RedisKeys, toRedisTtlMs } from './redis-keys.js';

/** Nonces shared by every API process: `SET NX PX` is the one atomic claim, one round trip. */
export class RedisNonceStore implements NonceStore {
  readonly #redis: RedisClient;
  readonly #keys: RedisKeys;

  constructor(redis: RedisClient, options: { readonly prefix: string }) {
    this.#redis = redis;
    this.#keys = new RedisKeys(options.prefix);
  }

  claimOnce(clientId: string, nonce: string, ttlMs: number): Promise<boolean> {
    return withRedisErrors(async () => {
      const answer = await this.#redis.set(this.#keys.requestNonce(clientId, nonce), '1', 'PX', toRedisTtlMs(ttlMs), 'NX');
      return answer === 'OK';
    });
  }
}
