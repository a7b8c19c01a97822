import type { JetStreamPullSubscription, JsMsg, NatsConnection } from 'nats';
import type { Delivery, DeliveryHandler, Subscription } from '../../../domain/ports/broker.js';
import type { CompiledBrokerOptions } from '../broker-options.js';
import { DeliverySlots } from '../delivery-slots.js';
import { handlerVerdict } from '../handler-verdict.js';
import { sleep } from '../timers.js';

/** A pull request sent and not yet used up: how many messages it may still bring, until when. */
interface OpenPull {
  remaining: number;
  readonly expiresAt: number;
}

/**
 * Batched pulls into one inbox that lives as long as the subscription. Whenever at least half of the
 * handlers are free (and not already promised to an open pull), it asks the durable consumer for
 * that many messages in one pull request; every message lands on the same inbox subscription. That
 * is what makes batches safe here: a message JetStream hands to a pull just as the pull expires
 * still arrives on a live subscription and is handled at once — with a fetch (or `next()`) per
 * batch it reached an inbox already given up and came back only after ack wait, with attempt 2.
 * Nothing is fetched beyond the free handlers, so no message waits in a client buffer while its ack
 * wait runs. Acks are plain `+ACK` publishes (no reply awaited per message); `close()` flushes the
 * connection, so the server has every ack before it returns.
 */
export class JetStreamSubscription implements Subscription {
  readonly #connection: NatsConnection;
  readonly #pulls: JetStreamPullSubscription;
  readonly #handler: DeliveryHandler;
  readonly #options: CompiledBrokerOptions;
  readonly #pullExpiresMs: number;
  readonly #slots: DeliverySlots;
  readonly #batchSize: number;
  readonly #open: OpenPull[] = [];
  #receiving: Promise<void> = Promise.resolve();
  #pulling: Promise<void> = Promise.resolve();
  /** Resolved when a handler finishes: the puller may have room for another batch. */
  #wakePuller: (() => void)[] = [];
  #closing = false;
  #closed: Promise<void> | undefined;

  constructor(args: {
    connection: NatsConnection;
    pulls: JetStreamPullSubscription;
    handler: DeliveryHandler;
    options: CompiledBrokerOptions;
    pullExpiresMs: number;
    concurrency: number;
  }) {
    this.#connection = args.connection;
    this.#pulls = args.pulls;
    this.#handler = args.handler;
    this.#options = args.options;
    this.#pullExpiresMs = Math.max(1_000, args.pullExpiresMs);
    this.#slots = new DeliverySlots(args.concurrency);
    // Half the capacity: one batch runs while the next is pulled, and each pull asks for a batch.
    this.#batchSize = Math.max(1, Math.floor(this.#slots.capacity / 2));
  }

  start(): void {
    this.#receiving = this.#receiveLoop();
    this.#pulling = this.#pullLoop();
  }

  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    this.#closing = true;
    for (const wake of this.#wakePuller.splice(0)) wake();
    await this.#pulling;
    // A message may still be on its way to an open pull: keep the inbox until the last pull expired.
    const lastExpiry = Math.max(0, ...this.#open.map((pull) => pull.expiresAt));
    if (lastExpiry > Date.now()) await sleep(lastExpiry - Date.now() + 50);
    await this.#slots.whenIdle();
    this.#pulls.unsubscribe();
    await this.#receiving;
    await this.#slots.whenIdle();
    // The acks were published without waiting for replies; a flush is a round trip behind all of them.
    if (!this.#connection.isClosed()) await this.#connection.flush().catch((error: unknown) => this.#options.onError(error));
  }

  /** Free handlers not yet promised to an open pull. */
  #unpromised(): number {
    const now = Date.now();
    let promised = 0;
    for (let index = this.#open.length - 1; index >= 0; index -= 1) {
      const pull = this.#open[index] as OpenPull;
      if (pull.expiresAt <= now || pull.remaining <= 0) this.#open.splice(index, 1);
      else promised += pull.remaining;
    }
    return this.#slots.free - promised;
  }

  async #pullLoop(): Promise<void> {
    while (!this.#closing) {
      const wanted = this.#unpromised();
      if (wanted < this.#batchSize) {
        // Woken when a handler finishes, or when the oldest open pull expires.
        const nextExpiry = Math.min(Date.now() + this.#pullExpiresMs, ...this.#open.map((pull) => pull.expiresAt));
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(5, nextExpiry - Date.now()));
          this.#wakePuller.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
        this.#wakePuller = [];
        continue;
      }
      try {
        this.#pulls.pull({ batch: wanted, expires: this.#pullExpiresMs });
        this.#open.push({ remaining: wanted, expiresAt: Date.now() + this.#pullExpiresMs });
      } catch (error) {
        // Disconnected: the client reconnects by itself; ask again a little later.
        this.#options.onError(error);
        await sleep(500);
      }
    }
  }

  async #receiveLoop(): Promise<void> {
    try {
      for await (const message of this.#pulls) {
        // JetStream serves pull requests in order: the message uses up the oldest open one.
        const pull = this.#open.find((open) => open.remaining > 0);
        if (pull) pull.remaining -= 1;
        this.#slots.take();
        void this.#settle(message);
      }
    } catch (error) {
      if (!this.#closing) this.#options.onError(error);
    }
  }

  async #settle(message: JsMsg): Promise<void> {
    try {
      const delivery: Delivery = {
        // The publish's message id (Nats-Msg-Id, the event id by default); a foreign producer may set none.
        id: message.headers?.get('Nats-Msg-Id') || String(message.seq),
        body: message.string(),
        // JetStream's delivery count, 1 on the first delivery; a nak or an expired ack wait raises it.
        attempt: message.info.redeliveryCount,
        headers: publishedHeaders(message),
      };
      const verdict = await handlerVerdict(this.#handler, delivery, this.#options.onError);
      if (verdict === 'ack') message.ack();
      else message.nak(this.#options.retryDelayMs(delivery.attempt));
    } catch (error) {
      // An ack or nak lost with the connection: the message comes back after ack wait. Nothing is lost.
      this.#options.onError(error);
    } finally {
      this.#slots.release();
      for (const wake of this.#wakePuller.splice(0)) wake();
    }
  }
}

/** The headers a publisher set (e.g. `traceparent`), without the server's own `Nats-` ones. */
function publishedHeaders(message: JsMsg): Record<string, string> {
  const carried: Record<string, string> = {};
  for (const name of message.headers?.keys() ?? []) {
    if (!name.toLowerCase().startsWith('nats-')) carried[name] = message.headers?.get(name) ?? '';
  }
  return carried;
}
