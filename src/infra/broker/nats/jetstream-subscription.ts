import type { Consumer, JsMsg } from 'nats';
import type { Delivery, DeliveryHandler, Subscription } from '../../../domain/ports/broker.js';
import type { CompiledBrokerOptions } from '../broker-options.js';
import { handlerVerdict } from '../handler-verdict.js';
import { sleep } from '../timers.js';

/**
 * `concurrency` pull loops on the durable consumer, each asking for one message at a time. Nothing
 * is fetched ahead of a free handler, so no message waits in a client buffer while its ack wait
 * runs out, and closing leaves nothing taken but unhandled. The cost: `close()` may wait for an
 * idle pull to expire (`pullExpiresMs`, 1 s at least, as JetStream requires).
 */
export class JetStreamSubscription implements Subscription {
  readonly #consumer: Consumer;
  readonly #handler: DeliveryHandler;
  readonly #options: CompiledBrokerOptions;
  readonly #pullExpiresMs: number;
  readonly #loops: Promise<void>[] = [];
  #closing = false;

  constructor(args: { consumer: Consumer; handler: DeliveryHandler; options: CompiledBrokerOptions; pullExpiresMs: number }) {
    this.#consumer = args.consumer;
    this.#handler = args.handler;
    this.#options = args.options;
    this.#pullExpiresMs = Math.max(1_000, args.pullExpiresMs);
  }

  start(concurrency: number): void {
    for (let index = 0; index < Math.max(1, Math.floor(concurrency)); index += 1) this.#loops.push(this.#pullLoop());
  }

  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(this.#loops);
  }

  async #pullLoop(): Promise<void> {
    while (!this.#closing) {
      let message: JsMsg | null;
      try {
        message = await this.#consumer.next({ expires: this.#pullExpiresMs });
      } catch (error) {
        if (this.#closing) return;
        // Disconnected or the consumer is briefly unavailable; the client reconnects by itself.
        this.#options.onError(error);
        await sleep(500);
        continue;
      }
      // A message that arrives while closing was handed to us all the same: handle it.
      if (message) await this.#settle(message);
    }
  }

  async #settle(message: JsMsg): Promise<void> {
    const delivery: Delivery = {
      // The publish's message id (Nats-Msg-Id, the event id by default); a foreign producer may set none.
      id: message.headers?.get('Nats-Msg-Id') || String(message.seq),
      body: message.string(),
      // JetStream's delivery count, 1 on the first delivery; a nak or an expired ack wait raises it.
      attempt: message.info.redeliveryCount,
      headers: publishedHeaders(message),
    };
    const verdict = await handlerVerdict(this.#handler, delivery, this.#options.onError);
    try {
      if (verdict === 'ack') {
        // Waiting for the server to confirm the ack: once close() returns, no acked message comes back.
        const confirmed = await message.ackAck({ timeout: 5_000 });
        if (!confirmed) this.#options.onError(new Error(`JetStream did not confirm the ack of message ${delivery.id}`));
      } else {
        message.nak(this.#options.retryDelayMs(delivery.attempt));
      }
    } catch (error) {
      // An ack or nak lost with the connection: the message comes back after ack wait. Nothing is lost.
      this.#options.onError(error);
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
