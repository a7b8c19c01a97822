import type { Redis } from 'ioredis';
import type { Delivery, DeliveryHandler, Subscription } from '../../../domain/ports/broker.js';
import { LuaScript } from '../../redis/lua-script.js';
import type { CompiledBrokerOptions } from '../broker-options.js';
import { DeliverySlots } from '../delivery-slots.js';
import { handlerVerdict } from '../handler-verdict.js';
import { sleep } from '../timers.js';
import type { RedisStreamKeys } from './redis-stream-keys.js';
import { encodeRetryMember } from './retry-member.js';
import { StreamAcks } from './stream-acks.js';
import { parseAutoClaimReply, parsePendingReply, parseReadGroupReply, type StreamEntry } from './stream-replies.js';

const scheduleRetry = new LuaScript('schedule-retry-2.lua');
const promoteDueRetries = new LuaScript('promote-due-retries-2.lua');

export interface RedisStreamTimings {
  /** How long one XREADGROUP blocks; `close()` cuts it short with CLIENT UNBLOCK. */
  readonly blockMs: number;
  /** How often the pending entries of dead consumers are looked for. */
  readonly claimIntervalMs: number;
  /** How often due retries are moved back onto the stream. */
  readonly retryPollMs: number;
}

/**
 * One consumer of the group. Its loop alternates between reading new entries (XREADGROUP, on a
 * connection of its own because BLOCK holds it) and taking over entries left pending longer than
 * ack wait by a consumer that died or stalled (XAUTOCLAIM); both ask only for as many entries as
 * there are free slots. A timer moves due retries from the retry schedule back onto the stream.
 */
export class RedisStreamSubscription implements Subscription {
  readonly #commands: Redis;
  readonly #reader: Redis;
  readonly #keys: RedisStreamKeys;
  readonly #consumer: string;
  readonly #handler: DeliveryHandler;
  readonly #options: CompiledBrokerOptions;
  readonly #timings: RedisStreamTimings;
  readonly #slots: DeliverySlots;
  readonly #acks: StreamAcks;
  /** Free slots the reader waits for before it reads: deliveries come in batches of at least this. */
  readonly #batchSize: number;
  readonly #timers: NodeJS.Timeout[] = [];
  #readerClientId: number | undefined;
  #claimCursor = '0-0';
  #nextClaimAt = 0;
  #reading: Promise<void> = Promise.resolve();
  #closing = false;
  #closed: Promise<void> | undefined;

  constructor(args: {
    commands: Redis;
    reader: Redis;
    keys: RedisStreamKeys;
    consumer: string;
    handler: DeliveryHandler;
    concurrency: number;
    options: CompiledBrokerOptions;
    timings: RedisStreamTimings;
  }) {
    this.#commands = args.commands;
    this.#reader = args.reader;
    this.#keys = args.keys;
    this.#consumer = args.consumer;
    this.#handler = args.handler;
    this.#options = args.options;
    this.#timings = args.timings;
    this.#slots = new DeliverySlots(args.concurrency);
    this.#acks = new StreamAcks(args.commands, args.keys);
    // Half the capacity: one batch runs while the next is read, and each read brings a batch.
    this.#batchSize = Math.max(1, Math.floor(this.#slots.capacity / 2));
    // After a reconnect the reader is a new client with a new id; learn it again before the next read.
    this.#reader.on('close', () => {
      this.#readerClientId = undefined;
    });
  }

  start(): void {
    this.#reading = this.#readLoop();
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
    await Promise.all([this.#reading, this.#unblockReaderUntil(this.#reading)]);
    await this.#slots.whenIdle();
    await this.#reader.quit().catch(() => this.#reader.disconnect());
    await this.#forgetConsumerIfIdle();
  }

  /** Claims and reads take turns here, so the subscription never holds more than its concurrency. */
  async #readLoop(): Promise<void> {
    while (!this.#closing) {
      await this.#slots.waitForRoom(this.#batchSize);
      if (this.#closing) return;
      try {
        if (Date.now() >= this.#nextClaimAt) {
          await this.#claimOnce();
          this.#nextClaimAt = Date.now() + this.#timings.claimIntervalMs;
          if (this.#slots.free <= 0) continue;
        }
        this.#readerClientId ??= await this.#reader.client('ID');
        if (this.#closing) return;
        const blockMs = Math.max(1, Math.min(this.#timings.blockMs, this.#nextClaimAt - Date.now()));
        const reply = await this.#reader.xreadgroup(
          'GROUP',
          this.#keys.group,
          this.#consumer,
          'COUNT',
          this.#slots.free,
          'BLOCK',
          blockMs,
          'STREAMS',
          this.#keys.stream,
          '>',
        );
        // Entries read with '>' are on their first delivery to this group.
        for (const entry of parseReadGroupReply(reply)) this.#dispatch(entry, 1);
      } catch (error) {
        if (this.#closing) return;
        this.#options.onError(error);
        await sleep(200);
      }
    }
  }

  /**
   * CLIENT UNBLOCK ends a blocked XREADGROUP as if it timed out, so no entry is handed to a consumer
   * that is leaving. Repeated because the read may not have reached the server at the first try.
   */
  async #unblockReaderUntil(readLoop: Promise<void>): Promise<void> {
    let done = false;
    void readLoop.then(() => {
      done = true;
    });
    while (!done) {
      const clientId = this.#readerClientId;
      if (clientId !== undefined) await this.#commands.client('UNBLOCK', clientId, 'TIMEOUT').catch(() => undefined);
      await sleep(20);
    }
  }

  /** Takes over entries pending longer than ack wait: their consumer died or stalled. */
  async #claimOnce(): Promise<void> {
    const room = this.#slots.free;
    if (this.#closing || room <= 0) return;
    this.#slots.take(room);
    let dispatched = 0;
    try {
      const claimed = parseAutoClaimReply(
        await this.#commands.xautoclaim(
          this.#keys.stream,
          this.#keys.group,
          this.#consumer,
          this.#options.ackWaitMs,
          this.#claimCursor,
          'COUNT',
          room,
        ),
      );
      this.#claimCursor = claimed.cursor;
      const vanished = [...claimed.deletedIds, ...claimed.entries.filter((entry) => entry.fields === null).map((entry) => entry.id)];
      if (vanished.length > 0) await this.#commands.xack(this.#keys.stream, this.#keys.group, ...vanished);
      const live = claimed.entries.filter((entry) => entry.fields !== null);
      if (live.length === 0) return;
      const deliveryCounts = await this.#deliveryCounts(live);
      for (const entry of live) {
        dispatched += 1;
        this.#dispatch(entry, deliveryCounts.get(entry.id) ?? 2, { slotTaken: true });
      }
    } catch (error) {
      this.#options.onError(error);
    } finally {
      this.#slots.release(room - dispatched);
    }
  }

  /** How often the group has handed out each entry, XAUTOCLAIM's own hand-over included. */
  async #deliveryCounts(entries: readonly StreamEntry[]): Promise<Map<string, number>> {
    const ids = entries.map((entry) => entry.id).sort(compareStreamIds);
    const first = ids[0] as string;
    const last = ids[ids.length - 1] as string;
    // Our other in-flight entries may fall inside the range, hence the headroom in COUNT.
    const pending = parsePendingReply(
      await this.#commands.xpending(this.#keys.stream, this.#keys.group, first, last, ids.length + this.#slots.capacity, this.#consumer),
    );
    return new Map(pending.map((entry) => [entry.id, entry.deliveryCount]));
  }

  async #promoteDueRetries(): Promise<void> {
    try {
      await promoteDueRetries.run(this.#commands, [this.#keys.retries, this.#keys.stream], [100]);
    } catch (error) {
      if (!this.#closing) this.#options.onError(error);
    }
  }

  #dispatch(entry: StreamEntry, deliveryCount: number, options: { slotTaken?: boolean } = {}): void {
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
    void this.#settle(entry.id, delivery);
  }

  async #settle(entryId: string, delivery: Delivery): Promise<void> {
    try {
      const verdict = await handlerVerdict(this.#handler, delivery, this.#options.onError);
      if (verdict === 'ack') {
        await this.#acks.ack(entryId);
      } else {
        const member = encodeRetryMember({ attempt: delivery.attempt + 1, origin: delivery.id, body: delivery.body });
        await scheduleRetry.run(
          this.#commands,
          [this.#keys.stream, this.#keys.retries],
          [this.#keys.group, entryId, this.#options.retryDelayMs(delivery.attempt), member],
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
  async #forgetConsumerIfIdle(): Promise<void> {
    try {
      const pending = await this.#commands.xpending(this.#keys.stream, this.#keys.group, '-', '+', 1, this.#consumer);
      // DELCONSUMER would drop the consumer's pending entries, so only an empty consumer is removed.
      if (Array.isArray(pending) && pending.length === 0) {
        await this.#commands.xgroup('DELCONSUMER', this.#keys.stream, this.#keys.group, this.#consumer);
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
