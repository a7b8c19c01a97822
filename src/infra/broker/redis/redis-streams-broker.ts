import { Redis } from 'ioredis';
import { TransientError } from '../../../domain/errors.js';
import type { BehaviorMessage, DeliveryHandler, PublishOptions, Subscription } from '../../../domain/ports/broker.js';
import type { BrokerAdapter } from '../broker-adapter.js';
import { type BrokerOptions, type CompiledBrokerOptions, compileBrokerOptions } from '../broker-options.js';
import { OpenSubscriptions } from '../open-subscriptions.js';
import { redactUrl } from '../redact-url.js';
import { sleep, withTimeout } from '../timers.js';
import { type RedisStreamKeys, redisStreamKeys } from './redis-stream-keys.js';
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
 */
export class RedisStreamsBroker implements BrokerAdapter {
  readonly kind = 'redis-streams';
  readonly #redis: Redis;
  readonly #keys: RedisStreamKeys;
  readonly #options: CompiledBrokerOptions;
  readonly #timings: RedisStreamTimings;
  readonly #subscriptions = new OpenSubscriptions();
  #subscriptionCount = 0;
  #publisher: Redis | undefined;

  private constructor(redis: Redis, options: CompiledBrokerOptions, timings: RedisStreamTimings) {
    this.#redis = redis;
    this.#options = options;
    this.#timings = timings;
    this.#keys = redisStreamKeys(options.name, options.topic);
  }

  static async connect(url: string, options: RedisStreamsBrokerOptions): Promise<RedisStreamsBroker> {
    const compiled = compileBrokerOptions(options);
    const timings: RedisStreamTimings = {
      blockMs: options.blockMs ?? 2_000,
      claimIntervalMs: options.claimIntervalMs ?? Math.min(5_000, Math.max(50, Math.floor(compiled.ackWaitMs / 2))),
      retryPollMs: options.retryPollMs ?? 100,
    };
    const redis = new Redis(url, { lazyConnect: true, connectionName: `${compiled.name}:${compiled.consumerName}` });
    redis.on('error', compiled.onError);
    try {
      await withTimeout(redis.connect(), compiled.publishTimeoutMs, `connecting to Redis at ${redactUrl(url)}`);
      const broker = new RedisStreamsBroker(redis, compiled, timings);
      await broker.#ensureGroup();
      return broker;
    } catch (error) {
      redis.disconnect();
      throw error instanceof TransientError ? error : new TransientError(`Redis broker unavailable: ${String(error)}`, error);
    }
  }

  /** The message id travels as the entry's `origin` field and becomes `Delivery.id` (default: the event id). */
  async publish(message: BehaviorMessage, options: PublishOptions = {}): Promise<void> {
    await this.publishRaw(JSON.stringify(message), { messageId: options.messageId ?? message.eventId });
  }

  async publishRaw(body: string, options: { readonly messageId?: string } = {}): Promise<void> {
    const fields =
      options.messageId === undefined ? ['body', body, 'attempt', '1'] : ['body', body, 'attempt', '1', 'origin', options.messageId];
    const deadline = Date.now() + this.#options.publishTimeoutMs;
    const publisher = await this.#connectedPublisher(deadline);
    // The XADD reply means Redis has the entry; how durable that is depends on the server's AOF setting.
    await withTimeout(publisher.xadd(this.#keys.stream, '*', ...fields), Math.max(1, deadline - Date.now()), 'publishing to Redis');
  }

  /**
   * The connection publishes go through. It waits for Redis instead of queueing commands: a queued
   * XADD would be sent whenever Redis came back, long after its publish was reported failed (503),
   * and the caller's retry would then put the message on the stream twice. Nor does it resend a
   * command the connection lost unanswered: that publish failed, and its caller retries.
   */
  async #connectedPublisher(deadline: number): Promise<Redis> {
    if (!this.#publisher) {
      this.#publisher = this.#redis.duplicate({
        connectionName: `${this.#options.name}:${this.#options.consumerName}:publisher`,
        lazyConnect: false,
        enableOfflineQueue: false,
        autoResendUnfulfilledCommands: false,
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
    const reader = this.#redis.duplicate({ connectionName: `${this.#options.name}:${consumer}:reader` });
    reader.on('error', this.#options.onError);
    await reader.ping();
    const subscription = new RedisStreamSubscription({
      commands: this.#redis,
      reader,
      keys: this.#keys,
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
    await this.#redis.del(this.#keys.stream, this.#keys.retries);
  }

  /** Closes the subscriptions still open (waiting for their deliveries), then the connection. */
  async close(): Promise<void> {
    await this.#subscriptions.closeAll();
    await this.#publisher?.quit().catch(() => this.#publisher?.disconnect());
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  async #ensureGroup(): Promise<void> {
    try {
      // From id 0, not `$`: entries published before the first worker started must be consumed too.
      await this.#redis.xgroup('CREATE', this.#keys.stream, this.#keys.group, '0', 'MKSTREAM');
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('BUSYGROUP')) throw error;
    }
  }
}
