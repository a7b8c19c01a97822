import {
  type ChangeFeed,
  type ChangeFeedListener,
  type ChangeFeedSubscription,
  type ConfigChangeNotice,
  parseConfigChangeNotice,
} from '../../domain/ports/change-feed.js';
import { duplicateRedisClient, type RedisClient } from './redis-connection.js';

export interface RedisChangeFeedOptions {
  /** The pub/sub channel, e.g. `sc:config-changes`. */
  readonly channel: string;
  /** Faults of the subscriber connections; ioredis reconnects (and resubscribes) by itself. */
  readonly onError?: (error: Error) => void;
}

/**
 * Redis pub/sub. Publishing uses the shared connection; each subscription holds a dedicated one,
 * since a subscribed connection can run nothing else. After a reconnect the listener is asked to
 * resync: pub/sub keeps nothing for a subscriber that was away.
 */
export class RedisChangeFeed implements ChangeFeed {
  readonly kind = 'redis';
  readonly channel: string;
  readonly #redis: RedisClient;
  readonly #onError: (error: Error) => void;
  readonly #subscribers = new Set<RedisClient>();

  constructor(redis: RedisClient, options: RedisChangeFeedOptions) {
    this.#redis = redis;
    this.channel = options.channel;
    this.#onError = options.onError ?? (() => undefined);
  }

  async publish(notice: ConfigChangeNotice): Promise<void> {
    await this.#redis.publish(this.channel, JSON.stringify(notice));
  }

  async subscribe(listener: ChangeFeedListener): Promise<ChangeFeedSubscription> {
    const subscriber = duplicateRedisClient(this.#redis);
    subscriber.on('error', this.#onError);
    let connectedBefore = false;
    subscriber.on('ready', () => {
      if (connectedBefore) listener.resync(`subscriber to ${this.channel} reconnected`);
      connectedBefore = true;
    });
    subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      const notice = parseConfigChangeNotice(message);
      if (notice) listener.changed(notice);
      else listener.resync(`unreadable notice on ${this.channel}`);
    });
    try {
      await subscriber.subscribe(this.channel);
    } catch (error) {
      subscriber.disconnect();
      throw error;
    }
    this.#subscribers.add(subscriber);
    return {
      close: async () => {
        if (!this.#subscribers.delete(subscriber)) return;
        await quit(subscriber);
      },
    };
  }

  /** Ends every subscription's connection; the shared one belongs to the caller. */
  async close(): Promise<void> {
    const subscribers = [...this.#subscribers];
    this.#subscribers.clear();
    await Promise.all(subscribers.map(quit));
  }
}

async function quit(connection: RedisClient): Promise<void> {
  if (connection.status === 'ready') await connection.quit().catch(() => connection.disconnect());
  else connection.disconnect();
}
