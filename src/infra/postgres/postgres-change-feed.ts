import { createHash } from 'node:crypto';
import pg from 'pg';
import {
  type ChangeFeed,
  type ChangeFeedListener,
  type ChangeFeedSubscription,
  type ConfigChangeNotice,
  parseConfigChangeNotice,
} from '../../domain/ports/change-feed.js';
import { backoffDelayMs } from '../../domain/retry-policy.js';
import type { PgRunner } from './pg-runner.js';

export interface PostgresChangeFeedOptions {
  readonly url: string;
  /** The deployment's schema; LISTEN/NOTIFY channels are database-wide, so the channel is named after it. */
  readonly schema: string;
  /** Faults of the LISTEN connection; it reconnects by itself. */
  readonly onError?: (error: Error) => void;
  readonly reconnectDelayMs?: { readonly min: number; readonly max: number };
}

/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more. */
const MAX_PAYLOAD_BYTES = 7_900;
/** Identifiers longer than this are truncated by PostgreSQL; two schemas must never share a channel. */
const MAX_IDENTIFIER_LENGTH = 63;

/**
 * LISTEN/NOTIFY. Publishing goes through the pool (`pg_notify`, after the change committed); each
 * subscription holds a dedicated connection, since LISTEN belongs to a session, and reopens it
 * with backoff when it is lost, then asks its listener to resync for what it may have missed.
 */
export class PostgresChangeFeed implements ChangeFeed {
  readonly kind = 'postgres';
  readonly channel: string;
  readonly #runner: PgRunner;
  readonly #options: PostgresChangeFeedOptions;
  readonly #listeners = new Set<PgListener>();

  constructor(runner: PgRunner, options: PostgresChangeFeedOptions) {
    this.#runner = runner;
    this.#options = options;
    this.channel = changeChannel(options.schema);
  }

  async publish(notice: ConfigChangeNotice): Promise<void> {
    let payload = JSON.stringify(notice);
    if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) {
      // Too big to carry: the receivers reload from the shared stores instead.
      const { body: _dropped, ...thin } = notice;
      payload = JSON.stringify(thin);
    }
    await this.#runner.query('notify config change', 'SELECT pg_notify($1, $2)', [this.channel, payload]);
  }

  async subscribe(listener: ChangeFeedListener): Promise<ChangeFeedSubscription> {
    const subscription = new PgListener(this.#options, this.channel, listener, () => this.#listeners.delete(subscription));
    await subscription.open();
    this.#listeners.add(subscription);
    return subscription;
  }

  /** Ends every subscription's connection. */
  async close(): Promise<void> {
    await Promise.all([...this.#listeners].map((listener) => listener.close()));
  }
}

export function changeChannel(schema: string): string {
  const readable = `${schema}_config_changes`;
  if (readable.length <= MAX_IDENTIFIER_LENGTH) return readable;
  return `sc_config_changes_${createHash('sha256').update(schema).digest('hex').slice(0, 32)}`;
}

class PgListener implements ChangeFeedSubscription {
  readonly #options: PostgresChangeFeedOptions;
  readonly #channel: string;
  readonly #listener: ChangeFeedListener;
  readonly #forget: () => void;
  #client: pg.Client | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: PostgresChangeFeedOptions, channel: string, listener: ChangeFeedListener, forget: () => void) {
    this.#options = options;
    this.#channel = channel;
    this.#listener = listener;
    this.#forget = forget;
  }

  /** The first connection: its failure is the caller's (the database is not reachable at start). */
  open(): Promise<void> {
    return this.#connect();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#forget();
    clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#options.url, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
    client.on('error', (error) => this.#lost(client, error));
    client.on('end', () => this.#lost(client, new Error('LISTEN connection ended')));
    client.on('notification', (message) => {
      if (message.channel !== this.#channel || message.payload === undefined) return;
      const notice = parseConfigChangeNotice(message.payload);
      if (notice) this.#listener.changed(notice);
      else this.#listener.resync(`unreadable notice on ${this.#channel}`);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(this.#channel)}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.#closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
  }

  #lost(client: pg.Client, error: Error): void {
    // 'error' and 'end' both follow a lost connection: react once, and only for the live client.
    if (this.#client !== client || this.#closed) return;
    this.#client = undefined;
    void client.end().catch(() => undefined);
    this.#options.onError?.(error);
    this.#reconnect(1);
  }

  #reconnect(attempt: number): void {
    const { min, max } = this.#options.reconnectDelayMs ?? { min: 100, max: 5_000 };
    const delayMs = backoffDelayMs({ baseDelayMs: min, maxDelayMs: max, jitter: 'none' }, attempt);
    this.#timer = setTimeout(() => {
      this.#connect().then(
        () => {
          if (!this.#closed) this.#listener.resync(`LISTEN on ${this.#channel} re-established`);
        },
        (error: unknown) => {
          if (this.#closed) return;
          this.#options.onError?.(error instanceof Error ? error : new Error(String(error)));
          this.#reconnect(attempt + 1);
        },
      );
    }, delayMs);
  }
}
