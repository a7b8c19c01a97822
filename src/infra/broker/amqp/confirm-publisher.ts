import type { ConfirmChannel, Options, RecoveringChannelModel } from 'amqplib';
import { TransientError } from '../../../domain/errors.js';
import { sleep, withTimeout } from '../timers.js';

/**
 * Publishes over one confirm channel and resolves only when RabbitMQ confirmed the message. While
 * the connection is down it waits for the reconnection (the recovering connection queues channel
 * requests) and tries again, up to the timeout; then it rejects with a retryable `unavailable`.
 *
 * A message whose confirm was lost with the connection is sent again: it may then exist twice,
 * which the at-least-once contract allows and the consumers' idempotency absorbs.
 */
export class ConfirmPublisher {
  readonly #connection: RecoveringChannelModel;
  readonly #timeoutMs: number;
  readonly #onError: (error: unknown) => void;
  readonly #closedChannels = new WeakSet<ConfirmChannel>();
  #channel: Promise<ConfirmChannel> | undefined;

  constructor(connection: RecoveringChannelModel, timeoutMs: number, onError: (error: unknown) => void) {
    this.#connection = connection;
    this.#timeoutMs = timeoutMs;
    this.#onError = onError;
  }

  async send(
    queue: string,
    content: Buffer,
    options: Options.Publish,
    prepare: (channel: ConfirmChannel) => Promise<void> = async () => {},
  ): Promise<void> {
    const deadline = Date.now() + this.#timeoutMs;
    for (;;) {
      let channel: ConfirmChannel | undefined;
      try {
        channel = await withTimeout(this.#openChannel(), Math.max(1, deadline - Date.now()), 'waiting for RabbitMQ');
        await withTimeout(prepare(channel), Math.max(1, deadline - Date.now()), 'declaring a RabbitMQ queue');
        await withTimeout(
          sendConfirmed(channel, queue, content, options),
          Math.max(1, deadline - Date.now()),
          'waiting for a RabbitMQ confirm',
        );
        return;
      } catch (error) {
        const lostWithChannel = channel !== undefined && this.#closedChannels.has(channel);
        if (error instanceof TransientError) throw new TransientError(`RabbitMQ unavailable: ${error.message}`, error);
        if (!lostWithChannel || Date.now() >= deadline) throw new TransientError(`RabbitMQ refused the message: ${String(error)}`, error);
        await sleep(50);
      }
    }
  }

  async close(): Promise<void> {
    const channel = this.#channel;
    this.#channel = undefined;
    if (channel) await channel.then((open) => open.close()).catch(() => undefined);
  }

  #openChannel(): Promise<ConfirmChannel> {
    if (this.#channel) return this.#channel;
    const opening = this.#connection.createConfirmChannel().then((channel) => {
      channel.on('error', this.#onError);
      channel.on('close', () => {
        this.#closedChannels.add(channel);
        if (this.#channel === opening) this.#channel = undefined;
      });
      return channel;
    });
    opening.catch(() => {
      if (this.#channel === opening) this.#channel = undefined;
    });
    this.#channel = opening;
    return opening;
  }
}

function sendConfirmed(channel: ConfirmChannel, queue: string, content: Buffer, options: Options.Publish): Promise<void> {
  return new Promise((resolve, reject) => {
    channel.sendToQueue(queue, content, options, (error: unknown) => (error ? reject(error) : resolve()));
  });
}
