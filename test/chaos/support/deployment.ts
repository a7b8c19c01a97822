import { Redis } from 'ioredis';
import pg from 'pg';
import { signRequestHeaders } from '../../../src/access/auth/sign-request-headers.js';
import { type App, createApp } from '../../../src/app/create-app.js';
import type { BrokerAdapter } from '../../../src/infra/broker/broker-adapter.js';
import { createBroker } from '../../../src/infra/broker/create-broker.js';
import { createPostgresAdapters } from '../../../src/infra/postgres/postgres-adapters.js';
import { sampleConfigFile } from '../../support/sample-app.js';
import { AMQP_URL, DATABASE_URL, NATS_URL, REDIS_URL, uniqueName } from '../../support/services.js';
import { type ChildServer, inParallel, spawnServer } from '../../support/spawn-server.js';
import type { BrokerKind } from './profile.js';

export const ACTIVITY = 'act-1001';
export const POOL = 'coupon-10off';
/** Items of the sample catalog: three views make sku-001 the offer. */
export const VIEWED_ITEMS = ['sku-001', 'sku-002', 'sku-001'];

export const BROKER_URLS: Record<BrokerKind, string> = { redis: REDIS_URL, rabbitmq: AMQP_URL, nats: NATS_URL };

/**
 * The chaos suite runs with the front door on, as production does: every request is signed by this
 * client, admin reads go with the admin token.
 */
const CHAOS_CLIENT = { id: 'chaos', secretEnv: 'CHAOS_CLIENT_SECRET', secret: 'chaos-client-secret-0123456789' };
const CHAOS_ADMIN_TOKEN = 'chaos-admin-token';
const AUTH_ENV = { AUTH: 'on', CHAOS_CLIENT_SECRET: CHAOS_CLIENT.secret, ADMIN_TOKEN: CHAOS_ADMIN_TOKEN };

/** `fetch` as the chaos client: signed over the exact path and body sent. */
export function chaosFetch(
  url: string,
  init: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const { pathname, search } = new URL(url);
  const method = init.method ?? 'GET';
  const signed = signRequestHeaders({
    clientId: CHAOS_CLIENT.id,
    secrets: [CHAOS_CLIENT.secret],
    method,
    pathWithQuery: `${pathname}${search}`,
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  return fetch(url, { ...init, method, headers: { ...init.headers, ...signed } });
}

type SampleConfig = Parameters<NonNullable<Parameters<typeof sampleConfigFile>[0]>>[0];

export interface DeploymentOptions {
  readonly broker?: BrokerKind;
  /** Changes to the sample configuration (stock, rules, lock...). */
  readonly config?: (config: SampleConfig) => void;
}

export interface SpawnOptions {
  /** STRATEGY_CENTER_FAULTS for this process; none by default, whatever the test runner's environment says. */
  readonly faults?: string;
  /** `serve` consumes the broker unless told not to. */
  readonly consumers?: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

/** Totals read straight from the ledger's tables, never through the port under test. */
export interface LedgerTotals {
  readonly total: number;
  readonly remaining: number;
  readonly assets: number;
  readonly keys: number;
  /** Σ over users of (assets − 1) where a user holds more than one: second assets where perUser is 1. */
  readonly extraPerUser: number;
  /** Σ over users of (usable assets − 1): never more than one usable asset at a time. */
  readonly extraUsable: number;
}

/**
 * One isolated deployment of the product on the real services: its own Redis key prefix, PostgreSQL
 * schema and broker stream/queue, a config file, child `serve` processes, an in-process control app
 * (to prepare users with the product's own preparation chain), and `cleanup` that removes it all.
 */
export class Deployment {
  readonly name: string;
  readonly configPath: string;
  readonly brokerUrl: string | undefined;
  readonly children: ChildServer[] = [];
  #control: App | undefined;
  #publisher: BrokerAdapter | undefined;
  #sql: pg.Pool | undefined;
  #redis: Redis | undefined;

  private constructor(name: string, configPath: string, brokerUrl: string | undefined) {
    this.name = name;
    this.configPath = configPath;
    this.brokerUrl = brokerUrl;
  }

  /** Migrated before any process starts, so that processes started together never race on it. */
  static async create(purpose: string, options: DeploymentOptions = {}): Promise<Deployment> {
    const name = uniqueName(`chaos_${purpose}`);
    const configPath = sampleConfigFile((config) => {
      const [activity] = config.activities;
      if (activity) activity.benefit.stock = 100_000;
      Object.assign(config, {
        auth: 'on',
        clients: [
          {
            id: CHAOS_CLIENT.id,
            secretEnv: CHAOS_CLIENT.secretEnv,
            scopes: ['events:*', 'behaviors:write', 'users:read', 'assets:redeem', 'traces:read', 'admin:write'],
          },
        ],
      });
      options.config?.(config);
    });
    const deployment = new Deployment(name, configPath, options.broker ? BROKER_URLS[options.broker] : undefined);
    const postgres = await createPostgresAdapters({ url: DATABASE_URL, schema: name, migrate: true });
    await postgres.close();
    return deployment;
  }

  /** What a child process of this deployment runs with. */
  env(options: SpawnOptions = {}): NodeJS.ProcessEnv {
    return {
      REDIS_URL,
      DATABASE_URL,
      NAMESPACE: this.name,
      DATABASE_SCHEMA: this.name,
      BROKER_URL: this.brokerUrl ?? '',
      STRATEGY_CENTER_FAULTS: options.faults ?? '',
      LOG_LEVEL: 'warn',
      ...AUTH_ENV,
      ...options.env,
    };
  }

  async spawnServe(options: SpawnOptions = {}): Promise<ChildServer> {
    const args = options.consumers === false ? ['--no-consumers'] : [];
    const server = await spawnServer(this.configPath, this.env(options), args);
    this.children.push(server);
    return server;
  }

  /** What an in-process app of this deployment runs with (Redis, PostgreSQL, the client's secret). */
  appEnv(): Record<string, string> {
    return { REDIS_URL, DATABASE_URL, NAMESPACE: this.name, DATABASE_SCHEMA: this.name, ...AUTH_ENV };
  }

  /** The product in this process, on the same Redis and PostgreSQL (its broker is its own, in-process). */
  async control(): Promise<App> {
    this.#control ??= await createApp({
      configPath: this.configPath,
      env: this.appEnv(),
    });
    return this.#control;
  }

  /** Runs the product's preparation chain for each user (browse_3_items with three viewed items). */
  async prepare(users: readonly string[]): Promise<void> {
    const app = await this.control();
    await inParallel(users.length, 32, async (i) => {
      const userId = users[i] as string;
      const result = await app.dispatcher.dispatch({
        channelCode: 'browse_3_items',
        userId,
        eventId: `prep:${userId}:${Date.now()}`,
        payload: { itemIds: VIEWED_ITEMS },
      });
      if (result.outcomes[0]?.status !== 'prepared') throw new Error(`preparing ${userId}: ${JSON.stringify(result.outcomes)}`);
    });
  }

  /** This deployment's broker stream/queue, as an upstream system or the intake would publish to it. */
  async publisher(options: { publishTimeoutMs?: number; ackWaitMs?: number } = {}): Promise<BrokerAdapter> {
    if (!this.brokerUrl) throw new Error('this deployment has no broker');
    // Connecting declares the topology: on NATS the last ack wait configured wins, so say it again.
    this.#publisher ??= await createBroker(this.brokerUrl, {
      name: this.name,
      consumerName: `${this.name}-publisher`,
      ...(options.publishTimeoutMs === undefined ? {} : { publishTimeoutMs: options.publishTimeoutMs }),
      ...(options.ackWaitMs === undefined ? {} : { ackWaitMs: options.ackWaitMs }),
    });
    return this.#publisher;
  }

  sql(): pg.Pool {
    this.#sql ??= new pg.Pool({ connectionString: DATABASE_URL, max: 4, options: `-c search_path=${this.name}` });
    return this.#sql;
  }

  redis(): Redis {
    this.#redis ??= new Redis(REDIS_URL, { maxRetriesPerRequest: 20 });
    this.#redis.on('error', () => undefined);
    return this.#redis;
  }

  async ledgerTotals(): Promise<LedgerTotals> {
    const { rows } = await this.sql().query<LedgerTotals>(
      `SELECT p.total,
         (SELECT coalesce(sum(remaining), 0)::int FROM benefit_pool_slots WHERE pool = p.id) AS remaining,
         (SELECT count(*)::int FROM assets WHERE pool = p.id) AS assets,
         (SELECT count(DISTINCT idempotency_key)::int FROM assets WHERE pool = p.id) AS keys,
         (SELECT coalesce(sum(n - 1), 0)::int FROM (SELECT count(*) AS n FROM assets WHERE pool = p.id GROUP BY activity_id, user_id) u) AS "extraPerUser",
         (SELECT coalesce(sum(n - 1), 0)::int FROM (SELECT count(*) AS n FROM assets WHERE pool = p.id AND status = 'active' AND expires_at > now()
                                                   GROUP BY activity_id, user_id) u) AS "extraUsable"
       FROM benefit_pools p WHERE p.id = $1`,
      [POOL],
    );
    const [totals] = rows;
    if (!totals) throw new Error(`pool ${POOL} missing in ${this.name}`);
    return totals;
  }

  /** userId → the assets the ledger holds for the user in the sample activity. */
  async assetsByUser(): Promise<Map<string, { id: string; eventId: string; idempotencyKey: string; status: string }[]>> {
    const { rows } = await this.sql().query<{ user_id: string; id: string; event_id: string; idempotency_key: string; status: string }>(
      'SELECT user_id, id::text, event_id, idempotency_key, status FROM assets WHERE activity_id = $1 ORDER BY seq',
      [ACTIVITY],
    );
    const byUser = new Map<string, { id: string; eventId: string; idempotencyKey: string; status: string }[]>();
    for (const row of rows) {
      const list = byUser.get(row.user_id) ?? [];
      list.push({ id: row.id, eventId: row.event_id, idempotencyKey: row.idempotency_key, status: row.status });
      byUser.set(row.user_id, list);
    }
    return byUser;
  }

  async deadLetters(): Promise<{ id: string; body: string; reason: string; attempts: number }[]> {
    // The body is stored as bytes (bytea): a NUL in a message must not cost its dead letter.
    const { rows } = await this.sql().query<{ id: string; body: Buffer; reason: string; attempts: number }>(
      'SELECT id::text, body, reason, attempts FROM dead_letters ORDER BY seq',
    );
    return rows.map((row) => ({ ...row, body: row.body.toString('utf8') }));
  }

  /** The prepared data stored for each user that has some, read from Redis. */
  async preparedUsers(users: readonly string[]): Promise<Map<string, { eventId: string; data: unknown }>> {
    const redis = this.redis();
    const found = new Map<string, { eventId: string; data: unknown }>();
    for (let i = 0; i < users.length; i += 500) {
      const slice = users.slice(i, i + 500);
      const values = await redis.mget(...slice.map((user) => `${this.name}:prepared:{${ACTIVITY}:${user}}`));
      for (const [j, value] of values.entries()) {
        if (value) found.set(slice[j] as string, JSON.parse(value) as { eventId: string; data: unknown });
      }
    }
    return found;
  }

  /** Kills what is still running, then removes every trace of the deployment from the services. */
  async cleanup(): Promise<void> {
    await Promise.all(this.children.splice(0).map((child) => child.stop('SIGKILL')));
    await this.#control?.close().catch(() => undefined);
    if (this.brokerUrl) {
      // The workers declared the raw-behavior topology as well.
      const raw = await createBroker(this.brokerUrl, { name: this.name, topic: 'raw-behaviors' }).catch(() => undefined);
      await raw?.deleteTopology().catch(() => undefined);
      await raw?.close().catch(() => undefined);
    }
    if (this.#publisher) {
      await this.#publisher.deleteTopology().catch(() => undefined);
      await this.#publisher.close().catch(() => undefined);
    } else if (this.brokerUrl) {
      const broker = await createBroker(this.brokerUrl, { name: this.name }).catch(() => undefined);
      await broker?.deleteTopology().catch(() => undefined);
      await broker?.close().catch(() => undefined);
    }
    await this.#sql?.end().catch(() => undefined);
    const admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(this.name)} CASCADE`).finally(() => admin.end());
    const redis = this.redis();
    // Keys under the namespace, and the Redis Streams broker's `{name}:behaviors…` keys.
    for (const pattern of [`${this.name}:*`, `{${this.name}}:*`]) {
      for (let cursor = '0'; ; ) {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        if (keys.length > 0) await redis.unlink(...keys);
        cursor = next;
        if (cursor === '0') break;
      }
    }
    await redis.quit().catch(() => redis.disconnect());
  }
}

export interface HttpAnswer {
  /** 0 when no answer came (the connection broke: the process died). */
  readonly status: number;
  readonly body: any;
  readonly text: string;
}

/** A JSON POST that never throws: a broken connection is status 0. */
export async function post(url: string, body: unknown, options: { contentType?: string; raw?: boolean } = {}): Promise<HttpAnswer> {
  try {
    const response = await chaosFetch(url, {
      method: 'POST',
      body: options.raw ? (body as string) : JSON.stringify(body),
      headers: { 'content-type': options.contentType ?? 'application/json' },
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed, text };
  } catch (error) {
    return { status: 0, body: undefined, text: String(error) };
  }
}

export function click(server: ChildServer, userId: string, eventId: string, payload?: Record<string, unknown>): Promise<HttpAnswer> {
  return post(`${server.url}/v1/channels/home_banner/events`, { userId, eventId, ...(payload ? { payload } : {}) });
}

/** The only outcome of a click on the sample play's single home_banner activity. */
export function outcomeOf(answer: HttpAnswer): { status: string; reason?: string; asset?: { id: string; eventId?: string } } | undefined {
  return answer.status === 200 ? answer.body?.outcomes?.[0] : undefined;
}

/**
 * Clicks again (same event id, same payload, as a client retries) until the answer is not a
 * fault: not a broken connection, not a 5xx, not `failed`. Returns the last answer and the tries.
 */
export async function clickUntilSettled(
  servers: readonly ChildServer[],
  userId: string,
  eventId: string,
  payload?: Record<string, unknown>,
  options: { deadlineMs?: number } = {},
): Promise<{ answer: HttpAnswer; tries: number }> {
  const deadline = Date.now() + (options.deadlineMs ?? 60_000);
  for (let tries = 1; ; tries++) {
    const server = servers[tries % servers.length] as ChildServer;
    const answer = await click(server, userId, eventId, payload);
    const outcome = outcomeOf(answer);
    if (outcome && outcome.status !== 'failed') return { answer, tries };
    if (Date.now() > deadline) return { answer, tries };
    await sleep(Math.min(1_000, 50 * tries));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` until it is true; fails with `describe()` after the timeout. */
export async function waitUntil(probe: () => Promise<boolean>, timeoutMs: number, describe: () => Promise<string> | string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${await describe()}`);
    await sleep(100);
  }
}

/** The sum of a Prometheus counter (all label sets matching `labels`) on a serve process. */
export async function counterOf(server: ChildServer, metric: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${CHAOS_ADMIN_TOKEN}` } })
    .then((response) => response.text())
    .catch(() => '');
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(metric)) continue;
    if (!Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
  }
  return sum;
}

/** Counts the faults a child reported (`fault injected` log lines), by kind. */
export function injectedFaults(server: ChildServer): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of server.output().split('\n')) {
    if (!line.includes('"fault injected"')) continue;
    const kind = /"kind":"([^"]+)"/.exec(line)?.[1] ?? 'unknown';
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return counts;
}

export function isRunning(server: ChildServer): boolean {
  return server.child.exitCode === null && server.child.signalCode === null;
}
