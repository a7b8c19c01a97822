import type { RedisClient } from '../../redis/redis-connection.js';
import type { RedisStreamKeys } from './redis-stream-keys.js';

/**
 * Acknowledges settled entries together: every entry whose chain finished during one turn of the
 * event loop is acked and deleted by one `XACK` and one `XDEL` carrying all their ids, in one
 * MULTI (one round trip), instead of four commands and a round trip per entry. An entry is added
 * only once its own handler said `ack`, so batching never acknowledges an entry early; if the
 * flush fails, every entry of it stays pending and a claimer takes it over after ack wait.
 */
export class StreamAcks {
  readonly #redis: RedisClient;
  readonly #keys: RedisStreamKeys;
  #ids: string[] = [];
  #flush: Promise<void> | undefined;

  constructor(redis: RedisClient, keys: RedisStreamKeys) {
    this.#redis = redis;
    this.#keys = keys;
  }

  /** Resolves once the entry is acked and deleted; rejects when the flush carrying it failed. */
  ack(entryId: string): Promise<void> {
    this.#ids.push(entryId);
    this.#flush ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#send());
    return this.#flush;
  }

  async #send(): Promise<void> {
    const ids = this.#ids;
    this.#ids = [];
    this.#flush = undefined;
    // Acked entries are deleted: the stream is this group's work queue, not a log to keep.
    const results = await this.#redis
      .multi()
      .xack(this.#keys.stream, this.#keys.group, ...ids)
      .xdel(this.#keys.stream, ...ids)
      .exec();
    const failed = results?.find(([error]) => error);
    if (failed?.[0]) throw failed[0];
  }
}
