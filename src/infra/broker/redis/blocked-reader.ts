import type { Redis } from 'ioredis';
import { duplicateRedisClient, isCluster, type RedisClient } from '../../redis/redis-connection.js';

/**
 * The connection of one stream's blocking XREADGROUP (BLOCK holds a connection, so each stream read
 * in parallel needs its own) and the means to cut the block short with CLIENT UNBLOCK. On a cluster
 * the read waits on the connection to the master of the stream's slot: that node's client id is
 * the one to unblock, and the unblock goes to that node.
 */
export class BlockedReader {
  readonly #connection: RedisClient;
  readonly #stream: string;
  /** CLIENT ID by node connection; a reconnected node is a new client with a new id. */
  readonly #clientIds = new WeakMap<Redis, number>();
  #slot: number | undefined;
  #blockedOn: { node: Redis; id: number } | undefined;

  constructor(base: RedisClient, stream: string, connectionName: string, onError: (error: unknown) => void) {
    this.#stream = stream;
    this.#connection = duplicateRedisClient(base, { connectionName });
    this.#connection.on('error', onError);
  }

  async connect(): Promise<void> {
    await this.#connection.ping();
  }

  /** XREADGROUP … BLOCK on the stream (no BLOCK when `blockMs` is undefined), remembering which client to unblock. */
  async read(group: string, consumer: string, count: number, blockMs: number | undefined): Promise<unknown> {
    if (blockMs === undefined) return this.#connection.xreadgroup('GROUP', group, consumer, 'COUNT', count, 'STREAMS', this.#stream, '>');
    const node = await this.#nodeOfStream();
    let id = this.#clientIds.get(node);
    if (id === undefined) {
      node.once('close', () => this.#clientIds.delete(node));
      id = Number(await node.client('ID'));
      this.#clientIds.set(node, id);
    }
    this.#blockedOn = { node, id };
    try {
      return await this.#connection.xreadgroup('GROUP', group, consumer, 'COUNT', count, 'BLOCK', blockMs, 'STREAMS', this.#stream, '>');
    } finally {
      this.#blockedOn = undefined;
    }
  }

  /**
   * Ends a read in progress as if it timed out (no entry is handed over); `commands` is another
   * connection to the same server or cluster, since this one is blocked.
   */
  async unblock(commands: RedisClient): Promise<void> {
    const blocked = this.#blockedOn;
    if (blocked === undefined) return;
    if (!isCluster(commands)) {
      await commands.client('UNBLOCK', blocked.id, 'TIMEOUT');
      return;
    }
    const address = nodeAddress(blocked.node);
    const sameNode = commands.nodes('all').find((node) => nodeAddress(node) === address);
    await sameNode?.client('UNBLOCK', blocked.id, 'TIMEOUT');
  }

  async close(): Promise<void> {
    await this.#connection.quit().catch(() => this.#connection.disconnect());
  }

  async #nodeOfStream(): Promise<Redis> {
    const connection = this.#connection;
    if (!isCluster(connection)) return connection;
    this.#slot ??= Number(await connection.cluster('KEYSLOT', this.#stream));
    // The slot map ioredis follows (refreshed on MOVED and failover) says which master serves it.
    const address = connection.slots[this.#slot]?.[0];
    const node = connection.nodes('master').find((candidate) => nodeAddress(candidate) === address);
    if (node === undefined) throw new Error(`no connected master serves slot ${this.#slot} of ${this.#stream}`);
    return node;
  }
}

function nodeAddress(node: Redis): string {
  return `${node.options.host}:${node.options.port}`;
}
