import type { Delivery, DeliveryHandler, Subscription } from '../../../domain/ports/broker.js';
import { LuaScript } from '../../redis/lua-script.js';
import type { RedisClient } from '../../redis/redis-connection.js';
import type { CompiledBrokerOptions } from '../broker-options.js';
import { DeliverySlots } from '../delivery-slots.js';
import { handlerVerdict } from '../handler-verdict.js';
import { sleep } from '../timers.js';
import type { BlockedReader } from './blocked-reader.js';
import type { RedisStreamKeys } from './redis-stream-keys.js';
import { encodeRetryMember } from './retry-member.js';
import { StreamAcks } from './stream-acks.js';
import { parseAutoClaimReply, parsePendingReply, parseReadGroupReply, type StreamEntry } from './stream-replies.js';

const scheduleRetry = new LuaScript('schedule-retry-2.lua');
/** The pause of a stream's loop after an empty read without BLOCK (fewer slots than streams). */
const POLL_PAUSE_MS = 50;
const promoteDueRetries = new LuaScript('promote-due-retries-2.lua');

export interface RedisStreamTimings {
  /** How long one XREADGROUP blocks; `close()` cuts it short with CLIENT UNBLOCK. */
  readonly blockMs: number;
  /** How often the pending entries of dead consumers are looked for. */
  readonly claimIntervalMs: number;
  /** How often due retries are moved back onto the stream. */
  readonly retryPollMs: number;
}

/** One stream of the namespace as this subscription reads it. */
export interface StreamShard {
  readonly keys: RedisStreamKeys;
  /** A connection of its own, because BLOCK holds it. */
  readonly reader: BlockedReader;
}

interface ShardState extends StreamShard {
  readonly acks: StreamAcks;
  claimCursor: string;
  nextClaimAt: number;
}

/**
 * One consumer of the group, on every stream of the namespace. Per stream, a loop alternates
 * between reading new entries (XREADGROUP) and taking over entries left pending longer than ack
 * wait by a consumer that died or stalled (XAUTOCLAIM). The loops share one set of delivery slots:
 * each reserves the slots it reads for before it asks, so together they never hold more than the
 * concurrency. A timer moves due retries from each retry schedule back onto its stream.
 */
export class RedisStreamSubscription implements Subscription {
  readonly #commands: RedisClient;
  readonly #shards: ShardState[];
  readonly #consumer: string;
  readonly #handler: DeliveryHandler;
  readonly #options: CompiledBrokerOptions;
  readonly #timings: RedisStreamTimings;
  readonly #slots: DeliverySlots;
  /** Free slots a reader waits for before it reads: deliveries come in batches of at least this. */
  readonly #batchSize: number;
  /** Most slots one stream's read reserves, so that one blocked read cannot starve the other streams. */
  readonly #readShare: number;
  readonly #timers: NodeJS.Timeout[] = [];
  #reading: Promise<void> = Promise.resolve();
  #closing = false;
  #closed: Promise<void> | undefined;

  constructor(args: {
    commands: RedisClient;
    shards: readonly StreamShard[];
    consumer: string;
    handler: DeliveryHandler;
    concurrency: number;
    options: CompiledBrokerOptions;
    timings: RedisStreamTimings;
  }) {
    this.#commands = args.commands;
    this.#shards = args.shards.map((shard) => ({
      ...shard,
      acks: new StreamAcks(args.commands, shard.keys),
      claimCursor: '0-0',
      nextClaimAt: 0,
    }));
    this.#consumer = args.consumer;
    this.#handler = args.handler;
    this.#options = args.options;
    this.#timings = args.timings;
    this.#slots = new DeliverySlots(args.concurrency);
    const shardCount = this.#shards.length;
    // One stream: all free slots; several: an even share each, at least one.
    this.#readShare = shardCount === 1 ? this.#slots.capacity : Math.max(1, Math.ceil(this.#slots.capacity / shardCount));
    // Half the capacity: one batch runs while the next is read, and each read brings a batch.
    this.#batchSize = Math.max(1, Math.min(this.#readShare, Math.floor(this.#slots.capacity / 2)));
  }

  start(): void {
    this.#reading = Promise.all(this.#shards.map((shard) => this.#readLoop(shard))).then(() => undefined);
    this.#timers.push(setInterval(() => void this.#promoteDueRetries(), this.#timings.retryPollMs));
  }

  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    this.#closing = true;
    for (const timer of this.#timers) clearInterval(timer);
    this.#slots.interrupt();
    await Promise.all([this.#reading, this.#unblockReadersUntil(this.#reading)]);
    await this.#slots.whenIdle();
    await Promise.all(this.#shards.map((shard) => shard.reader.close()));
    await Promise.all(this.#shards.map((shard) => this.#forgetConsumerIfIdle(shard)));
  }

  /** Claims and reads of one stream take turns here; slots are reserved before each read. */
  async #readLoop(shard: ShardState): Promise<void> {
    while (!this.#closing) {
      await this.#slots.waitForRoom(this.#batchSize);
      if (this.#closing) return;
      if (this.#slots.free <= 0) continue; // another stream's loop took the room first
      try {
        if (Date.now() >= shard.nextClaimAt) {
          await this.#claimOnce(shard);
          shard.nextClaimAt = Date.now() + this.#timings.claimIntervalMs;
          if (this.#slots.free <= 0) continue;
        }
        await this.#readOnce(shard);
      } catch (error) {
        if (this.#closing) return;
        this.#options.onError(error);
        await sleep(200);
      }
    }
  }

  async #readOnce(shard: ShardState): Promise<void> {
    const room = Math.min(this.#slots.free, this.#readShare);
    if (room <= 0) return;
    this.#slots.take(room);
    let dispatched = 0;
    let empty = false;
    try {
      if (this.#closing) return;
      // With fewer slots than streams a blocked read would hold room that the other streams wait for:
      // each loop then reads without blocking and, finding nothing, pauses without holding a slot.
      const polling = this.#shards.length > this.#slots.capacity;
      const blockMs = polling ? undefined : Math.max(1, Math.min(this.#timings.blockMs, shard.nextClaimAt - Date.now()));
      const entries = parseReadGroupReply(await shard.reader.read(shard.keys.group, this.#consumer, room, blockMs));
      empty = polling && entries.length === 0;
      // Entries read with '>' are on their first delivery to this group.
      for (const entry of entries) {
        dispatched += 1;
        this.#dispatch(shard, entry, 1, { slotTaken: true });
      }
    } finally {
      this.#slots.release(room - dispatched);
    }
    if (empty) await sleep(POLL_PAUSE_MS);
  }

  /**
   * CLIENT UNBLOCK ends a blocked XREADGROUP as if it timed out, so no entry is handed to a consumer
   * that is leaving. Repeated because a read may not have reached the server at the first try.
   */
  async #unblockReadersUntil(readLoops: Promise<void>): Promise<void> {
    let done = false;
    void readLoops.then(() => {
      done = true;
    });
    while (!done) {
      await Promise.all(this.#shards.map((shard) => shard.reader.unblock(this.#commands).catch(() => undefined)));
      await sleep(20);
    }
  }

  /** Takes over entries pending longer than ack wait: their consumer died or stalled. */
  async #claimOnce(shard: ShardState): Promise<void> {
    const room = this.#slots.free;
    if (this.#closing || room <= 0) return;
    this.#slots.take(room);
    let dispatched = 0;
    try {
      const claimed = parseAutoClaimReply(
        await this.#commands.xautoclaim(
          shard.keys.stream,
          shard.keys.group,
          this.#consumer,
          this.#options.ackWaitMs,
          shard.claimCursor,
          'COUNT',
          room,
        ),
      );
      shard.claimCursor = claimed.cursor;
      const vanished = [...claimed.deletedIds, ...claimed.entries.filter((entry) => entry.fields === null).map((entry) => entry.id)];
      if (vanished.length > 0) await this.#commands.xack(shard.keys.stream, shard.keys.group, ...vanished);
      const live = claimed.entries.filter((entry) => entry.fields !== null);
      if (live.length === 0) return;
      const deliveryCounts = await this.#deliveryCounts(shard, live);
      for (const entry of live) {
        dispatched += 1;
        this.#dispatch(shard, entry, deliveryCounts.get(entry.id) ?? 2, { slotTaken: true });
      }
    } catch (error) {
      this.#options.onError(error);
    } finally {
      this.#slots.release(room - dispatched);
    }
  }

  /** How often the group has handed out each entry, XAUTOCLAIM's own hand-over included. */
  async #deliveryCounts(shard: ShardState, entries: readonly StreamEntry[]): Promise<Map<string, number>> {
    const ids = entries.map((entry) => entry.id).sort(compareStreamIds);
    const first = ids[0] as string;
    const last = ids[ids.length - 1] as string;
    // Our other in-flight entries may fall inside the range, hence the headroom in COUNT.
    const pending = parsePendingReply(
      await this.#commands.xpending(shard.keys.stream, shard.keys.group, first, last, ids.length + this.#slots.capacity, this.#consumer),
    );
    return new Map(pending.map((entry) => [entry.id, entry.deliveryCount]));
  }

  async #promoteDueRetries(): Promise<void> {
    await Promise.all(
      this.#shards.map(async (shard) => {
        try {
          await promoteDueRetries.run(this.#commands, [shard.keys.retries, shard.keys.stream], [100]);
        } catch (error) {
          if (!this.#closing) this.#options.onError(error);
        }
      }),
    );
  }

  #dispatch(shard: ShardState, entry: StreamEntry, deliveryCount: number, options: { slotTaken?: boolean } = {}): void {
    if (!options.slotTaken) this.#slots.take();
    const fields = entry.fields ?? new Map<string, string>();
    // A producer outside this adapter may XADD the message's fields instead of one `body` field.
    const body = fields.get('body') ?? JSON.stringify(Object.fromEntries(fields));
    const firstAttempt = Number(fields.get('attempt') ?? '1') || 1;
    const headers = parseHeaders(fields.get('headers'));
    const delivery: Delivery = {
      id: fields.get('origin') ?? entry.id,
      body,
      attempt: firstAttempt + deliveryCount - 1,
      ...(headers ? { headers } : {}),
    };
    void this.#settle(shard, entry.id, delivery);
  }

  async #settle(shard: ShardState, entryId: string, delivery: Delivery): Promise<void> {
    try {
      const verdict = await handlerVerdict(this.#handler, delivery, this.#options.onError);
      if (verdict === 'ack') {
        await shard.acks.ack(entryId);
      } else {
        const member = encodeRetryMember({ attempt: delivery.attempt + 1, origin: delivery.id, body: delivery.body });
        await scheduleRetry.run(
          this.#commands,
          [shard.keys.stream, shard.keys.retries],
          [shard.keys.group, entryId, this.#options.retryDelayMs(delivery.attempt), member],
        );
      }
    } catch (error) {
      // The entry stays pending; a claimer takes it over once ack wait has passed. Nothing is lost.
      this.#options.onError(error);
    } finally {
      this.#slots.release();
    }
  }

  /** Removes this consumer from the group when it holds nothing, so departed workers do not pile up. */
  async #forgetConsumerIfIdle(shard: ShardState): Promise<void> {
    try {
      const pending = await this.#commands.xpending(shard.keys.stream, shard.keys.group, '-', '+', 1, this.#consumer);
      // DELCONSUMER would drop the consumer's pending entries, so only an empty consumer is removed.
      if (Array.isArray(pending) && pending.length === 0) {
        await this.#commands.xgroup('DELCONSUMER', shard.keys.stream, shard.keys.group, this.#consumer);
      }
    } catch (error) {
      this.#options.onError(error);
    }
  }
}

function compareStreamIds(a: string, b: string): number {
  const [aMs = 0n, aSeq = 0n] = a.split('-').map(BigInt);
  const [bMs = 0n, bSeq = 0n] = b.split('-').map(BigInt);
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  return aSeq < bSeq ? -1 : aSeq > bSeq ? 1 : 0;
}

/** The entry's `headers` field (a JSON object of strings); anything else is ignored, never a reason to fail the message. */
function parseHeaders(text: string | undefined): Record<string, string> | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  } catch {
    return undefined;
  }
}
