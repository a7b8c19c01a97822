import { InvalidConfigError, TransientError } from '../../../domain/errors.js';
import type { BehaviorMessage, DeliveryHandler, PublishOptions, Subscription } from '../../../domain/ports/broker.js';
import { clusterTargetFromUrl, createRedisClient, duplicateRedisClient, type RedisClient } from '../../redis/redis-connection.js';
import type { BrokerAdapter } from '../broker-adapter.js';
import { type BrokerOptions, type CompiledBrokerOptions, compileBrokerOptions } from '../broker-options.js';
import { OpenSubscriptions } from '../open-subscriptions.js';
import { redactUrl } from '../redact-url.js';
import { sleep, withTimeout } from '../timers.js';
import { BlockedReader } from './blocked-reader.js';
import { type RedisStreamKeys, redisStreamShardCountKey, redisStreamShards, streamShardOf } from './redis-stream-keys.js';
import { RedisStreamSubscription, type RedisStreamTimings } from './redis-stream-subscription.js';

export interface RedisStreamsBrokerOptions extends BrokerOptions, Partial<RedisStreamTimings> {}

/**
 * Redis Streams with one consumer group (`workers`) per namespace: every worker process reads the
 * same stream and Redis hands each entry to one of them.
 *
 * Retries go through a sorted set scored by due time (schedule-retry-2.lua) rather than staying
 * pending: a pending entry could only come back through XAUTOCLAIM, whose idle threshold is one value
 * for all entries, so per-attempt backoff would be impossible, and a retry waiting in a timer of this
 * process would be lost with it. The sorted set survives the process and keeps exact delays.
 *
 * Behaviors are spread over `streamShards` streams by a hash of the user id (one user's messages
 * stay in one stream, in order); each stream has its own hash tag, so on a Redis Cluster they land
 * on different masters. Every consumer reads all of them.
 */
export class RedisStreamsBroker implements BrokerAdapter {
  readonly kind = 'redis-streams';
  readonly #redis: RedisClient;
  readonly #shards: readonly RedisStreamKeys[];
  readonly #options: CompiledBrokerOptions;
  readonly #timings: RedisStreamTimings;
  readonly #subscriptions = new OpenSubscriptions();
  #subscriptionCount = 0;
  #publisher: RedisClient | undefined;

  private constructor(redis: RedisClient, options: CompiledBrokerOptions, timings: RedisStreamTimings, shardCount: number) {
    this.#redis = redis;
    this.#options = options;
    this.#timings = timings;
    this.#shards = redisStreamShards(options.name, shardCount, options.topic);
  }

  static async connect(url: string, options: RedisStreamsBrokerOptions): Promise<RedisStreamsBroker> {
    const compiled = compileBrokerOptions(options);
    const timings: RedisStreamTimings = {
      blockMs: options.blockMs ?? 2_000,
      claimIntervalMs: options.claimIntervalMs ?? Math.min(5_000, Math.max(50, Math.floor(compiled.ackWaitMs / 2))),
      retryPollMs: options.retryPollMs ?? 100,
    };
    // Raw behaviors stay one stream, the one name a relay writes to; behaviors spread over shards.
    const shardCount = compiled.topic === 'raw-behaviors' ? 1 : (options.streamShards ?? (options.redisCluster ? 8 : 1));
    if (!Number.isInteger(shardCount) || shardCount < 1 || shardCount > 256) {
      throw new InvalidConfigError([{ path: 'BROKER_STREAM_SHARDS', message: `expected a whole number from 1 to 256, got ${shardCount}` }]);
    }
    // On a cluster the URL names one node (any); the client learns the others and the slot map from it.
    const redis = createRedisClient(options.redisCluster ? clusterTargetFromUrl(url) : { url }, {
      lazyConnect: true,
      connectionName: `${compiled.name}:${compiled.consumerName}`,
    });
    redis.on('error', compiled.onError);
    try {
      await withTimeout(redis.connect(), compiled.publishTimeoutMs, `connecting to Redis at ${redactUrl(url)}`);
      const broker = new RedisStreamsBroker(redis, compiled, timings, shardCount);
      await broker.#checkShardCount(shardCount);
      await broker.#ensureGroups();
      return broker;
    } catch (error) {
      redis.disconnect();
      if (error instanceof InvalidConfigError || error instanceof TransientError) throw error;
      throw new TransientError(`Redis broker unavailable: ${String(error)}`, error);
    }
  }

  /** The streams of this namespace, in shard order. */
  get streams(): readonly RedisStreamKeys[] {
    return this.#shards;
  }

  /** The message id travels as the entry's `origin` field and becomes `Delivery.id` (default: the event id). */
  async publish(message: BehaviorMessage, options: PublishOptions = {}): Promise<void> {
    await this.publishRaw(JSON.stringify(message), {
      messageId: options.messageId ?? message.eventId,
      routingKey: message.userId,
      ...(options.headers ? { headers: options.headers } : {}),
    });
  }

  /** `routingKey` picks the stream (default: the body's user id, else the message id); headers travel as one `headers` field (JSON), beside `body`. */
  async publishRaw(body: string, options: PublishOptions & { readonly routingKey?: string } = {}): Promise<void> {
    const fields = ['body', body, 'attempt', '1'];
    if (options.messageId !== undefined) fields.push('origin', options.messageId);
    if (options.headers && Object.keys(options.headers).length > 0) fields.push('headers', JSON.stringify(options.headers));
    const deadline = Date.now() + this.#options.publishTimeoutMs;
    const publisher = await this.#connectedPublisher(deadline);
    // The XADD reply means Redis has the entry; how durable that is depends on the server's AOF setting.
    const stream = this.#streamFor(options.routingKey ?? userIdOf(body) ?? options.messageId ?? body).stream;
    await withTimeout(publisher.xadd(stream, '*', ...fields), Math.max(1, deadline - Date.now()), 'publishing to Redis');
  }

  /**
   * The connection publishes go through. It waits for Redis instead of queueing commands: a queued
   * XADD would be sent whenever Redis came back, long after its publish was reported failed (503),
   * and the caller's retry would then put the message on the stream twice. Nor does it resend a
   * command the connection lost unanswered: that publish failed, and its caller retries.
   */
  async #connectedPublisher(deadline: number): Promise<RedisClient> {
    if (!this.#publisher) {
      this.#publisher = duplicateRedisClient(this.#redis, {
        connectionName: `${this.#options.name}:${this.#options.consumerName}:publisher`,
        lazyConnect: false,
        enableOfflineQueue: false,
        autoResendUnfulfilledCommands: false,
        // The XADDs of one turn (a bulk intake request's fired rules, concurrent requests) leave in one
        // write instead of a socket write each; each still gets its own reply, so each publish is
        // confirmed or failed on its own.
        enableAutoPipelining: true,
      });
      this.#publisher.on('error', this.#options.onError);
    }
    const publisher = this.#publisher;
    while (publisher.status !== 'ready') {
      if (publisher.status === 'end' || Date.now() >= deadline) {
        throw new TransientError(
          `publishing to Redis timed out after ${this.#options.publishTimeoutMs} ms: not connected (${publisher.status})`,
        );
      }
      await sleep(20);
    }
    return publisher;
  }

  async subscribe(handler: DeliveryHandler, options: { concurrency: number }): Promise<Subscription> {
    this.#subscriptionCount += 1;
    // Each subscription is its own consumer: pending entries are tracked per consumer name.
    const consumer =
      this.#subscriptionCount === 1 ? this.#options.consumerName : `${this.#options.consumerName}-${this.#subscriptionCount}`;
    // One blocked reader per stream: a blocking XREADGROUP holds its connection.
    const shards = this.#shards.map((keys, index) => ({
      keys,
      reader: new BlockedReader(this.#redis, keys.stream, `${this.#options.name}:${consumer}:reader${index}`, this.#options.onError),
    }));
    try {
      await Promise.all(shards.map((shard) => shard.reader.connect()));
    } catch (error) {
      await Promise.all(shards.map((shard) => shard.reader.close()));
      throw error;
    }
    const subscription = new RedisStreamSubscription({
      commands: this.#redis,
      shards,
      consumer,
      handler,
      concurrency: options.concurrency,
      options: this.#options,
      timings: this.#timings,
    });
    subscription.start();
    return this.#subscriptions.track(subscription);
  }

  async deleteTopology(): Promise<void> {
    // Key by key: on a cluster the shards' keys live in different slots.
    const keys = [
      ...this.#shards.flatMap((shard) => [shard.stream, shard.retries]),
      redisStreamShardCountKey(this.#options.name, this.#options.topic),
    ];
    await Promise.all(keys.map((key) => this.#redis.del(key)));
  }

  /** Closes the subscriptions still open (waiting for their deliveries), then the connection. */
  async close(): Promise<void> {
    await this.#subscriptions.closeAll();
    await this.#publisher?.quit().catch(() => this.#publisher?.disconnect());
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  #streamFor(routingKey: string): RedisStreamKeys {
    return this.#shards[streamShardOf(routingKey, this.#shards.length)] as RedisStreamKeys;
  }

  /**
   * Two processes that split one namespace over different shard counts would send one user's
   * messages to different streams, out of order, and read streams the others never write: the
   * first process records its count, and a process with another count refuses to start.
   */
  async #checkShardCount(shardCount: number): Promise<void> {
    const key = redisStreamShardCountKey(this.#options.name, this.#options.topic);
    await this.#redis.set(key, String(shardCount), 'NX');
    const stored = await this.#redis.get(key);
    if (stored !== String(shardCount)) {
      throw new InvalidConfigError([
        {
          path: 'BROKER_STREAM_SHARDS',
          message: `the broker namespace '${this.#options.name}' runs on ${stored} stream shard(s) (${key}), this process asks for ${shardCount}; use the same count everywhere, or drain and delete the streams first`,
        },
      ]);
    }
  }

  async #ensureGroups(): Promise<void> {
    for (const shard of this.#shards) {
      try {
        // From id 0, not `$`: entries published before the first worker started must be consumed too.
        await this.#redis.xgroup('CREATE', shard.stream, shard.group, '0', 'MKSTREAM');
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('BUSYGROUP')) throw error;
      }
    }
  }
}

/** The `userId` of a behavior message body, when it is one; a malformed body has none. */
function userIdOf(body: string): string | undefined {
  try {
    const value: unknown = JSON.parse(body);
    if (typeof value === 'object' && value !== null && 'userId' in value && typeof value.userId === 'string') return value.userId;
  } catch {
    // not JSON: routed by message id
  }
  return undefined;
}
