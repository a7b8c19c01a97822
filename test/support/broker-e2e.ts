import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { connect as amqpConnect } from 'amqplib';
import { Redis } from 'ioredis';
import { connect as natsConnect } from 'nats';
import pg from 'pg';
import type { PreparedData } from '../../src/domain/instance-context.js';
import type { BehaviorMessage } from '../../src/domain/ports/broker.js';
import type { ChainTrace } from '../../src/domain/trace.js';
import { AmqpTopology } from '../../src/infra/broker/amqp/amqp-topology.js';
import { defaultRetryDelayMs } from '../../src/infra/broker/broker-options.js';
import { type BrokerAdapter, createBroker } from '../../src/infra/broker/create-broker.js';
import { jetStreamNames } from '../../src/infra/broker/nats/jetstream-names.js';
import { redisStreamShardCountKey, redisStreamShards } from '../../src/infra/broker/redis/redis-stream-keys.js';
import { createRedisClient, isCluster, type RedisClient } from '../../src/infra/redis/redis-connection.js';
import type { RedisNode } from '../../src/infra/redis/redis-nodes.js';
import { sampleConfigFile } from './sample-app.js';
import { AMQP_URL, DATABASE_URL, NATS_URL, REDIS_URL, uniqueName } from './services.js';
import { inParallel, spawnCli } from './spawn-server.js';

const run = promisify(execFile);

export interface BrokerUnderTest {
  readonly kind: 'redis' | 'rabbitmq' | 'nats';
  readonly url: string;
  /**
   * A Redis Cluster (test/cluster): the processes get REDIS_CLUSTER_NODES instead of REDIS_URL, and a
   * `redis://` broker URL names one of its nodes, so the broker runs on the cluster too.
   */
  readonly redisCluster?: readonly RedisNode[];
}

/** Every real broker, for `describe.each`. */
export const BROKERS: readonly BrokerUnderTest[] = [
  { kind: 'redis', url: REDIS_URL },
  { kind: 'rabbitmq', url: AMQP_URL },
  { kind: 'nats', url: NATS_URL },
];

export const ACTIVITY = 'act-1001';
export const CHANNEL = 'browse_3_items';
const CATALOG_SIZE = 36;

/** The catalog ids `index` views: three items, the first seen twice so the offer is that one. */
export function viewedItems(index: number): string[] {
  const sku = (n: number) => `sku-${String((n % CATALOG_SIZE) + 1).padStart(3, '0')}`;
  return [sku(index), sku(index + 7), sku(index)];
}

/** The brief's broker message for a fired `browse_3_items` rule. */
export function browseMessage(userId: string, eventId: string, index: number): BehaviorMessage {
  return { channelCode: CHANNEL, userId, eventId, payload: { itemIds: viewedItems(index) } };
}

/** The offer item and viewed ids that `prepare-item-promotion` derives from `browseMessage(…, index)`. */
export function expectedOffer(index: number): { item: string; viewed: string[] } {
  const [first, second] = viewedItems(index) as [string, string, string];
  return { item: first, viewed: [...new Set([first, second])] };
}

export interface RunningChild {
  readonly output: () => string;
  /** Still running (no exit code, no signal). */
  alive(): boolean;
  /** Sends `signal` (SIGTERM by default) unless it exited already; resolves with the exit code (null when killed). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface RunningServe extends RunningChild {
  readonly url: string;
}

export interface BrokerE2eOptions {
  /** BROKER_ACK_WAIT_MS of every process (and of the test's publisher, which NATS consumers share). */
  readonly ackWaitMs?: number;
  /** BROKER_PUBLISH_TIMEOUT_MS of every process. */
  readonly publishTimeoutMs?: number;
  /** Changes to the sample configuration (the catalog path is already set). */
  readonly editConfig?: Parameters<typeof sampleConfigFile>[0];
  /** On RabbitMQ: `exclusive` for a test that disturbs the broker itself (restarts it). Default `shared`. */
  readonly rabbitMqTurn?: RabbitMqTurn;
}

const TURN_TTL_MS = 180_000;

/**
 * One isolated deployment for one test: its own NAMESPACE (Redis keys, stream, queue, subject),
 * PostgreSQL schema and config file, the child processes it started, a publisher on the broker and
 * a Redis client to read the shared state. `close()` stops the children and removes all of it.
 *
 * RabbitMQ tests take turns with the one that restarts the broker (across the test files vitest runs
 * in parallel): a restart would requeue the others' deliveries and spoil their exact counts.
 */
export class BrokerE2e {
  readonly broker: BrokerUnderTest;
  readonly namespace: string;
  readonly configPath: string;
  /** Redis, or the cluster, of this deployment's state (and of the broker on Redis). */
  readonly redis: RedisClient;
  readonly publisher: BrokerAdapter;
  /** The namespace's raw-behavior stream, queue or subject, as a clickstream relay publishes to it. */
  readonly rawPublisher: BrokerAdapter;
  readonly #options: BrokerE2eOptions;
  readonly #children: RunningChild[] = [];
  readonly #turn: string | undefined;
  #pool: pg.Pool | undefined;

  private constructor(args: {
    broker: BrokerUnderTest;
    namespace: string;
    configPath: string;
    redis: RedisClient;
    publisher: BrokerAdapter;
    rawPublisher: BrokerAdapter;
    options: BrokerE2eOptions;
    turn: string | undefined;
  }) {
    this.broker = args.broker;
    this.namespace = args.namespace;
    this.configPath = args.configPath;
    this.redis = args.redis;
    this.publisher = args.publisher;
    this.rawPublisher = args.rawPublisher;
    this.#options = args.options;
    this.#turn = args.turn;
  }

  static async open(broker: BrokerUnderTest, purpose: string, options: BrokerE2eOptions = {}): Promise<BrokerE2e> {
    const namespace = uniqueName(`${purpose}_${broker.kind}`);
    const redis = broker.redisCluster ? createRedisClient({ clusterNodes: broker.redisCluster }) : new Redis(REDIS_URL);
    // ioredis reconnects by itself; a command that fails meanwhile fails the test that sent it.
    redis.on('error', () => {});
    const turn = broker.kind === 'rabbitmq' ? await takeTurn(redis as Redis, options.rabbitMqTurn ?? 'shared') : undefined;
    try {
      const publisherOptions = {
        name: namespace,
        consumerName: 'test-publisher',
        ...(broker.redisCluster ? { redisCluster: true } : {}),
        ...(options.ackWaitMs === undefined ? {} : { ackWaitMs: options.ackWaitMs }),
      };
      const publisher = await createBroker(broker.url, publisherOptions);
      // Every worker declares the raw-behavior topology too; this one removes it on close.
      const rawPublisher = await createBroker(broker.url, { ...publisherOptions, topic: 'raw-behaviors' }).catch(async (error) => {
        await publisher.close();
        throw error;
      });
      const configPath = sampleConfigFile(options.editConfig);
      return new BrokerE2e({ broker, namespace, configPath, redis, publisher, rawPublisher, options, turn });
    } catch (error) {
      if (turn) await releaseTurn(redis as Redis, turn);
      await redis.quit();
      throw error;
    }
  }

  /** The environment of this deployment's processes; `extra` overrides (e.g. BROKER_URL through a proxy). */
  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
      ...(this.broker.redisCluster
        ? { REDIS_CLUSTER_NODES: this.broker.redisCluster.map((node) => `${node.host}:${node.port}`).join(',') }
        : { REDIS_URL }),
      DATABASE_URL,
      BROKER_URL: this.broker.url,
      NAMESPACE: this.namespace,
      DATABASE_SCHEMA: this.namespace,
      MIGRATE: 'true',
      ...(this.#options.ackWaitMs === undefined ? {} : { BROKER_ACK_WAIT_MS: String(this.#options.ackWaitMs) }),
      ...(this.#options.publishTimeoutMs === undefined ? {} : { BROKER_PUBLISH_TIMEOUT_MS: String(this.#options.publishTimeoutMs) }),
      ...extra,
    };
  }

  /** `strategy-center worker`, ready once it logged that it consumes. */
  async worker(args: readonly string[] = [], env: NodeJS.ProcessEnv = {}): Promise<RunningChild> {
    const started = await spawnCli(['worker', '--config', this.configPath, '--no-watch', ...args], {
      env: this.env({ LOG_LEVEL: 'info', ...env }),
      ready: /worker consuming behavior events/,
    });
    return this.#track(started);
  }

  /** `strategy-center serve` (API only unless told otherwise) on a free port. */
  async serve(args: readonly string[] = ['--no-consumers'], env: NodeJS.ProcessEnv = {}): Promise<RunningServe> {
    const started = await spawnCli(['serve', '--config', this.configPath, '--port', '0', '--no-watch', ...args], {
      env: this.env(env),
      ready: /listening on (http:\/\/[\d.]+:\d+)/,
    });
    return { ...this.#track(started), url: started.match[1] as string };
  }

  /** `strategy-center <args>` run to its end: exit code and output. */
  async cli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run(process.execPath, [CLI_PATH, ...args, '--config', this.configPath], {
        env: { ...process.env, LOG_LEVEL: 'warn', ...this.env() },
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
    }
  }

  /** Publishes through the broker adapter, `concurrency` at a time; each resolves on the broker's confirm. */
  async publishAll(messages: readonly BehaviorMessage[], concurrency = 200): Promise<void> {
    await inParallel(messages.length, concurrency, (index) => this.publisher.publish(messages[index] as BehaviorMessage));
  }

  /** The prepared data in Redis of each user, as `store-prepared` wrote it. */
  async prepared(users: readonly string[], activityId = ACTIVITY): Promise<Map<string, PreparedData | undefined>> {
    const result = new Map<string, PreparedData | undefined>();
    for (let start = 0; start < users.length; start += 1_000) {
      const chunk = users.slice(start, start + 1_000);
      const keys = chunk.map((user) => `${this.namespace}:prepared:{${activityId}:${user}}`);
      // On a cluster the users' keys live in many slots: one GET each (auto-pipelined per node).
      const redis = this.redis;
      const values = isCluster(redis) ? await Promise.all(keys.map((key) => redis.get(key))) : await redis.mget(...keys);
      chunk.forEach((user, index) => {
        const json = values[index];
        result.set(user, json ? (JSON.parse(json) as PreparedData) : undefined);
      });
    }
    return result;
  }

  /** Every chain run recorded for each event, oldest first (what GET /v1/events/:id/trace returns). */
  async traces(eventIds: readonly string[]): Promise<Map<string, ChainTrace[]>> {
    const result = new Map<string, ChainTrace[]>();
    for (let start = 0; start < eventIds.length; start += 2_000) {
      const chunk = eventIds.slice(start, start + 2_000);
      const replies = await this.#lists(chunk.map((eventId) => `${this.namespace}:trace:{${eventId}}`));
      chunk.forEach((eventId, index) => {
        const [error, entries] = replies[index] ?? [new Error('no reply'), []];
        if (error) throw error;
        result.set(
          eventId,
          (entries as string[]).map((json) => JSON.parse(json) as ChainTrace),
        );
      });
    }
    return result;
  }

  /** Events of `eventIds` that have no chain run with status `status` yet. */
  async unfinished(eventIds: readonly string[], status = 'prepared'): Promise<string[]> {
    const traces = await this.traces(eventIds);
    return eventIds.filter((eventId) => !(traces.get(eventId) ?? []).some((trace) => trace.status === status));
  }

  /**
   * Messages the broker still holds for this namespace: waiting, delivered but unacknowledged, or
   * scheduled for a retry. Acknowledged ones are gone on all three (XDEL, ack, work-queue stream).
   */
  async brokerBacklog(): Promise<number> {
    switch (this.broker.kind) {
      case 'redis': {
        const shardCount = Number((await this.redis.get(redisStreamShardCountKey(this.namespace))) ?? 1);
        const counts = await Promise.all(
          redisStreamShards(this.namespace, shardCount).map(
            async (keys) => (await this.redis.xlen(keys.stream)) + (await this.redis.zcard(keys.retries)),
          ),
        );
        return counts.reduce((sum, count) => sum + count, 0);
      }
      case 'rabbitmq': {
        // RabbitMQ counts ready messages only: ask when no live consumer holds unsettled deliveries.
        const topology = new AmqpTopology(this.namespace);
        const queues = topology.knownQueues(Array.from({ length: 10 }, (_, index) => defaultRetryDelayMs(index + 1)));
        const connection = await amqpConnect(this.broker.url);
        try {
          let count = 0;
          for (const queue of queues) {
            // A retry queue nobody needed does not exist; asking for it closes the channel.
            const channel = await connection.createChannel();
            channel.on('error', () => {});
            count += await channel.checkQueue(queue).then(
              (info) => info.messageCount,
              () => 0,
            );
          }
          return count;
        } finally {
          await connection.close();
        }
      }
      case 'nats': {
        const connection = await natsConnect({ servers: this.broker.url });
        try {
          const info = await (await connection.jetstreamManager()).streams.info(jetStreamNames(this.namespace).stream);
          return info.state.messages;
        } finally {
          await connection.close();
        }
      }
    }
  }

  /** The dead letters in PostgreSQL, oldest first, replayed ones included. */
  async deadLetters(): Promise<{ id: string; body: string; reason: string; attempts: number; replayed: boolean }[]> {
    const result = await this.#pg().query(
      `SELECT id, convert_from(body, 'UTF8') AS body, reason, attempts, replayed_at IS NOT NULL AS replayed
         FROM ${this.namespace}.dead_letters ORDER BY seq`,
    );
    return result.rows;
  }

  /** Runs SQL in this deployment's schema. */
  query(sql: string, values: unknown[] = []): Promise<pg.QueryResult> {
    return this.#pg().query(sql.replaceAll('$schema', this.namespace), values);
  }

  async close(): Promise<void> {
    await Promise.all(this.#children.map((child) => child.stop('SIGKILL')));
    const problems: unknown[] = [];
    const attempt = async (step: () => Promise<unknown>) => {
      try {
        await step();
      } catch (error) {
        problems.push(error);
      }
    };
    await attempt(() => this.publisher.deleteTopology());
    await attempt(() => this.publisher.close());
    await attempt(() => this.rawPublisher.deleteTopology());
    await attempt(() => this.rawPublisher.close());
    await attempt(async () => {
      const redis = this.redis;
      const nodes: Redis[] = isCluster(redis) ? redis.nodes('master') : [redis];
      for (const node of nodes) {
        for (const pattern of [`${this.namespace}:*`, `{${this.namespace}}:*`, `{${this.namespace}:s*`]) {
          for (let cursor = '0'; ; ) {
            const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1_000);
            // Key by key on a cluster: one UNLINK of several slots is refused.
            if (keys.length > 0) await Promise.all(isCluster(redis) ? keys.map((key) => redis.unlink(key)) : [redis.unlink(...keys)]);
            cursor = next;
            if (cursor === '0') break;
          }
        }
      }
    });
    await attempt(() => this.#pg().query(`DROP SCHEMA IF EXISTS ${this.namespace} CASCADE`));
    await attempt(async () => this.#pool?.end());
    if (this.#turn) await attempt(() => releaseTurn(this.redis as Redis, this.#turn as string));
    await attempt(() => this.redis.quit());
    if (problems.length > 0) throw new AggregateError(problems, `cleaning up ${this.namespace} failed`);
  }

  /** LRANGE 0 -1 of each key: one pipeline on one Redis, one command per key on a cluster. */
  async #lists(keys: readonly string[]): Promise<Array<[Error | null, unknown]>> {
    const redis = this.redis;
    if (isCluster(redis)) {
      return Promise.all(keys.map((key) => redis.lrange(key, 0, -1).then((list): [Error | null, unknown] => [null, list])));
    }
    const pipeline = redis.pipeline();
    for (const key of keys) pipeline.lrange(key, 0, -1);
    return ((await pipeline.exec()) ?? []) as Array<[Error | null, unknown]>;
  }

  #pg(): pg.Pool {
    this.#pool ??= new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
    return this.#pool;
  }

  #track(started: Awaited<ReturnType<typeof spawnCli>>): RunningChild {
    const { child } = started;
    const exited =
      child.exitCode !== null || child.signalCode !== null
        ? Promise.resolve(child.exitCode)
        : new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const running: RunningChild = {
      output: started.output,
      alive: () => child.exitCode === null && child.signalCode === null,
      stop: async (signal = 'SIGTERM') => {
        if (running.alive()) child.kill(signal);
        return exited;
      },
    };
    this.#children.push(running);
    return running;
  }
}

const CLI_PATH = new URL('../../dist/cli.js', import.meta.url).pathname;

/** Polls `check` until it returns true; fails with `describe()` after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, describe: () => string | Promise<string>) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${await describe()}`);
    await sleep(100);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** JSON over HTTP. */
export async function http(method: string, url: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(url, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/**
 * Closes, from the server side, every RabbitMQ connection whose client named itself with
 * `namePrefix` (our processes name theirs `<namespace>:<consumer>`): only this test's connections.
 */
export async function closeRabbitMqConnections(namePrefix: string): Promise<number> {
  const { stdout } = await run('rabbitmqctl', ['list_connections', 'pid', 'client_properties', '-q', '--no-table-headers']);
  const pids = stdout
    .split('\n')
    .filter((line) => line.includes(`{"connection_name","${namePrefix}`))
    .map((line) => line.split('\t')[0] ?? '');
  for (const pid of pids) await run('rabbitmqctl', ['close_connection', pid, 'cut by an e2e test']);
  return pids.length;
}

/** Stops and starts the RabbitMQ application (not the Erlang node): every connection drops, durable queues stay. */
export async function restartRabbitMq(): Promise<void> {
  await run('rabbitmqctl', ['stop_app']);
  await run('rabbitmqctl', ['start_app']);
}

/**
 * A readers-writer lock in Redis over RabbitMQ across the test files vitest runs in parallel: tests
 * that use it share it, the one that restarts it holds it alone. A waiting restart keeps new
 * sharers out, so it is not starved. Entries expire, so a crashed test cannot block the others.
 */
const RABBITMQ_TURN = {
  sharers: 'sc_t_e2e:rabbitmq:sharers',
  owner: 'sc_t_e2e:rabbitmq:owner',
  ownerWaiting: 'sc_t_e2e:rabbitmq:owner-waiting',
};
const SHARE_SCRIPT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
if redis.call('EXISTS', KEYS[2]) == 1 or redis.call('EXISTS', KEYS[3]) == 1 then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2] + ARGV[3], ARGV[1])
return 1`;
const OWN_SCRIPT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
redis.call('SET', KEYS[3], ARGV[1], 'PX', 5000)
if redis.call('ZCARD', KEYS[1]) > 0 then return 0 end
if not redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[3]) then return 0 end
redis.call('DEL', KEYS[3])
return 1`;
const RELEASE_SCRIPT = `
redis.call('ZREM', KEYS[1], ARGV[1])
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
return 1`;

export type RabbitMqTurn = 'shared' | 'exclusive';

async function takeTurn(redis: Redis, mode: RabbitMqTurn): Promise<string> {
  const token = randomUUID();
  const keys = [RABBITMQ_TURN.sharers, RABBITMQ_TURN.owner, RABBITMQ_TURN.ownerWaiting];
  const deadline = Date.now() + TURN_TTL_MS;
  const script = mode === 'shared' ? SHARE_SCRIPT : OWN_SCRIPT;
  while ((await redis.eval(script, keys.length, ...keys, token, Date.now(), TURN_TTL_MS)) !== 1) {
    if (Date.now() > deadline) throw new Error(`waited ${TURN_TTL_MS} ms for a ${mode} turn on RabbitMQ`);
    await sleep(100);
  }
  return token;
}

async function releaseTurn(redis: Redis, token: string): Promise<void> {
  await redis.eval(RELEASE_SCRIPT, 2, RABBITMQ_TURN.sharers, RABBITMQ_TURN.owner, token);
}
