import type { EventFingerprints } from '../../domain/ports/event-fingerprints.js';
import { defineLuaScript } from './batched-lua-script.js';
import type { LuaCaller } from './lua-script.js';
import type { RedisClient } from './redis-connection.js';
import { withRedisErrors } from './redis-errors.js';
import { RedisKeys, toRedisTtlMs } from './redis-keys.js';

/** Event fingerprints shared by every process of the deployment; one Lua script per claim. */
export class RedisEventFingerprints implements EventFingerprints {
  readonly #keys: RedisKeys;
  readonly #claim: LuaCaller;

  constructor(redis: RedisClient, options: { readonly prefix: string }) {
    this.#keys = new RedisKeys(options.prefix);
    this.#claim = defineLuaScript(redis, 'claim-fingerprint-1.lua');
  }

  claim(eventId: string, fingerprint: string, ttlMs: number): Promise<string> {
    return withRedisErrors(async () => {
      const recorded = await this.#claim([this.#keys.eventFingerprint(eventId)], [fingerprint, toRedisTtlMs(ttlMs)]);
      if (typeof recorded !== 'string') throw new Error(`claim-fingerprint returned ${String(recorded)}, expected a fingerprint`);
      return recorded;
    });
  }
}
