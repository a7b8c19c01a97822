import { loadavg } from 'node:os';
import pg from 'pg';
import type { App } from '../../src/app/create-app.js';
import { type ChildServer, spawnServer } from '../support/child-server.js';
import { fromDist } from '../support/dist.js';
import { type LoadResult, runLoad } from '../support/load.js';
import { type PacedResult, runPaced } from '../support/paced-load.js';
import {
  cpuPerUnit,
  DATABASE_URL,
  deleteRedisKeys,
  dropSchema,
  ISSUE_CHANNEL,
  inParallel,
  openRedis,
  PREPARE_CHANNEL,
  perEvent,
  REDIS_URL,
  type RedisCensus,
  type ResourceUse,
  round,
  sleep,
  startCensus,
  startProbe,
  uniqueName,
  viewedItems,
  waitFor,
} from '../support/services.js';

export interface IssuanceOptions {
  readonly configPath: string;
  readonly connections: number;
  /** First issuances at full speed before anything is measured (JIT, pools, caches). */
  readonly warmupUsers: number;
  /** First issuances measured at full speed: one new prepared user per request. */
  readonly firstUsers: number;
  /** The throttled runs: this many requests per second for `ratedSeconds`. */
  readonly rate: number;
  readonly ratedSeconds: number;
  /** Seconds of `existing` answers at full speed. */
  readonly existingSeconds: number;
  /** Redis + PostgreSQL only: first issuances on the one hot pool at each of these connection counts. */
  readonly sweepConnections?: readonly number[];
  /** New users per sweep level. */
  readonly sweepUsers?: number;
  /** Extra environment of the server under test (LEDGER_CONCURRENCY, DATABASE_POOL_SIZE, …). */
  readonly serverEnv?: NodeJS.ProcessEnv;
}

/** One level of the sweep, with the 1-minute load average when it ended (the machine is shared). */
export type SweepLevel = Measured & { readonly load: number };

export type Measured<R extends LoadResult = LoadResult> = R & {
  readonly cpu: ResourceUse['cpu'];
  /** CPU µs per request of Redis, the load generator and the server: what a request costs, however busy the machine. */
  readonly cpuPerRequest: ReturnType<typeof cpuPerUnit>;
  /** INFO commandstats over the run: server-wide, script bodies included. */
  readonly serverRedisCommandsPerRequest: number;
};

export interface IssuanceBackendResult {
  readonly backend: string;
  readonly preparedUsers: number;
  readonly prepareSeconds: number;
  /** Redis commands per first issuance of this run alone (MONITOR over the warm-up); absent on the embedded default. */
  readonly redis?: RedisCensus;
  /** New users, one per request, as fast as 64 connections go. */
  readonly first: Measured;
  /** The same users again: the asset they hold comes back, nothing is issued. */
  readonly existing: Measured;
  /** New users at the target rate, paced evenly (open loop): the latency a 2,000 rps production load would see. */
  readonly firstAtRate: Measured<PacedResult>;
  readonly existingAtRate: Measured<PacedResult>;
  /** First issuances at each sweep connection count (Redis + PostgreSQL only). */
  readonly sweep?: readonly SweepLevel[];
  /** Σ |stock taken − assets written| over the run's pools: 0, or the ledger oversold or lost units. */
  readonly takenMinusAssets?: number;
}

/**
 * Clicks on the home banner through the HTTP API of a `strategy-center serve` child process, so
 * that autocannon (here) and the server under test never share an event loop. Every user is
 * prepared first (the behavior chain ran), so each first click goes the whole issuance chain:
 * lock, prepared data, assets, ledger transaction, result.
 */
export async function benchIssuanceRedisPostgres(options: IssuanceOptions): Promise<IssuanceBackendResult> {
  const { createApp } = await fromDist<typeof import('../../src/app/create-app.js')>('app/create-app.js');
  const namespace = uniqueName('issue');
  const env = { REDIS_URL, DATABASE_URL, NAMESPACE: namespace, DATABASE_SCHEMA: namespace };
  const redis = openRedis();
  let app: App | undefined;
  let server: ChildServer | undefined;
  try {
    app = await createApp({ configPath: options.configPath, env: { ...env, MIGRATE: 'true' } });
    const preparing = app;
    const users = totalUsers(options);
    const t0 = performance.now();
    let failed = 0;
    // The preparation chain of each user through the app's own dispatcher (what a worker does for a fired rule).
    await inParallel(users, 64, async (i) => {
      const result = await preparing.dispatcher.dispatch({
        channelCode: PREPARE_CHANNEL,
        userId: `u${i}`,
        payload: { itemIds: viewedItems(i) },
      });
      if (result.outcomes.some((outcome) => outcome.status !== 'prepared')) failed += 1;
    });
    if (failed > 0) throw new Error(`${failed} user(s) could not be prepared`);
    const prepareSeconds = (performance.now() - t0) / 1000;
    await app.close();
    app = undefined;
    server = await spawnServer(options.configPath, { ...env, ...options.serverEnv });
    const measured = await clicks(server, redis, options, namespace);
    return {
      backend: 'redis+postgres',
      preparedUsers: users,
      prepareSeconds: round(prepareSeconds, 2),
      ...measured,
      ...(await sweep(server, redis, options)),
      takenMinusAssets: await ledgerBalance(namespace),
    };
  } finally {
    await server?.stop().catch(() => undefined);
    await app?.close().catch(() => undefined);
    await deleteRedisKeys(redis, namespace).catch(() => undefined);
    await dropSchema(namespace).catch(() => undefined);
    redis.disconnect();
  }
}

/**
 * The same on the embedded default (no REDIS_URL, DATABASE_URL, BROKER_URL): all state in the
 * server's memory, so users are prepared through its own API — three `item_view` behaviors each,
 * which fire the rule and run the preparation chain on the in-process broker.
 */
export async function benchIssuanceEmbedded(options: IssuanceOptions): Promise<IssuanceBackendResult> {
  const redis = openRedis();
  let server: ChildServer | undefined;
  try {
    server = await spawnServer(options.configPath, { REDIS_URL: undefined, DATABASE_URL: undefined, BROKER_URL: undefined });
    const users = totalUsers(options);
    const t0 = performance.now();
    await runLoad({
      url: `${server.url}/v1/behaviors`,
      connections: options.connections,
      amount: users * 3,
      body: (i) => ({ userId: `u${Math.floor(i / 3)}`, type: 'item_view', itemId: viewedItems(Math.floor(i / 3))[i % 3] }),
    });
    const url = server.url;
    await waitFor(
      async () => (await preparedCount(url)) >= users,
      60_000,
      () => `${users} users prepared on the embedded server`,
      50,
    );
    const prepareSeconds = (performance.now() - t0) / 1000;
    return {
      backend: 'embedded',
      preparedUsers: users,
      prepareSeconds: round(prepareSeconds, 2),
      ...(await clicks(server, redis, options)),
    };
  } finally {
    await server?.stop().catch(() => undefined);
    redis.disconnect();
  }
}

function totalUsers(options: IssuanceOptions): number {
  return sweepFrom(options) + (options.sweepConnections?.length ?? 0) * (options.sweepUsers ?? 0);
}

function sweepFrom(options: IssuanceOptions): number {
  return options.warmupUsers + options.firstUsers + options.rate * options.ratedSeconds;
}

/** First issuances of new users at each connection count, on the one hot pool of the sample play. */
async function sweep(
  server: ChildServer,
  redis: ReturnType<typeof openRedis>,
  options: IssuanceOptions,
): Promise<{ sweep?: SweepLevel[] }> {
  const levels = options.sweepConnections ?? [];
  const users = options.sweepUsers ?? 0;
  if (levels.length === 0 || users === 0) return {};
  const url = `${server.url}/v1/channels/${ISSUE_CHANNEL}/events`;
  const results: SweepLevel[] = [];
  let from = sweepFrom(options);
  for (const connections of levels) {
    const start = from;
    await sleep(200);
    const stop = await startProbe(redis, server.child.pid);
    const result = await runLoad({ url, connections, amount: users, body: (i) => ({ userId: `u${start + i}` }) });
    const use = await stop();
    results.push({
      ...result,
      cpu: use.cpu,
      cpuPerRequest: cpuPerUnit(use, result.requests),
      serverRedisCommandsPerRequest: round(use.redisCommandsTotal / Math.max(1, result.requests), 1),
      load: round(loadavg()[0] ?? 0, 2),
    });
    from += users;
  }
  return { sweep: results };
}

/**
 * Stock taken that no asset accounts for (or assets without stock), read from the tables: slots
 * since migration 004, the pool row before it (so the bench also measures an older build).
 */
async function ledgerBalance(schema: string): Promise<number> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    const s = pg.escapeIdentifier(schema);
    const slots = await client.query(`SELECT to_regclass('${schema}.benefit_pool_slots') IS NOT NULL AS sharded`);
    const remaining = slots.rows[0]?.sharded
      ? `(SELECT coalesce(sum(remaining), 0) FROM ${s}.benefit_pool_slots WHERE pool = p.id)`
      : 'p.remaining';
    const { rows } = await client.query<{ off: number }>(
      `SELECT coalesce(sum(abs(p.total - ${remaining} - (SELECT count(*) FROM ${s}.assets WHERE pool = p.id))), 0)::int AS off
       FROM ${s}.benefit_pools p`,
    );
    return rows[0]?.off ?? 0;
  } finally {
    await client.end();
  }
}

/** Warm-up, then first issuance and existing answers, at full speed and at the target rate. */
async function clicks(
  server: ChildServer,
  redis: ReturnType<typeof openRedis>,
  options: IssuanceOptions,
  namespace?: string,
): Promise<Pick<IssuanceBackendResult, 'redis' | 'first' | 'existing' | 'firstAtRate' | 'existingAtRate'>> {
  const url = `${server.url}/v1/channels/${ISSUE_CHANNEL}/events`;
  const { connections, warmupUsers, firstUsers, rate, ratedSeconds } = options;
  const measure = async <R extends LoadResult>(run: () => Promise<R>): Promise<Measured<R>> => {
    await sleep(200);
    const stop = await startProbe(redis, server.child.pid);
    const result = await run();
    const use = await stop();
    return {
      ...result,
      cpu: use.cpu,
      cpuPerRequest: cpuPerUnit(use, result.requests),
      serverRedisCommandsPerRequest: round(use.redisCommandsTotal / Math.max(1, result.requests), 1),
    };
  };
  const user = (i: number) => ({ userId: `u${i}` });
  const issued = (i: number) => user(warmupUsers + (i % firstUsers));
  const ratedFrom = warmupUsers + firstUsers;

  const census = namespace === undefined ? undefined : await startCensus(namespace);
  await runLoad({ url, connections, amount: warmupUsers, body: (i) => user(i) });
  const redisPerRequest = census && perEvent(await census(), warmupUsers);
  const first = await measure(() => runLoad({ url, connections, amount: firstUsers, body: (i) => user(warmupUsers + i) }));
  const existing = await measure(() => runLoad({ url, connections, seconds: options.existingSeconds, body: issued }));
  const amount = rate * ratedSeconds;
  const firstAtRate = await measure(() => runPaced({ url, connections, rate, amount, body: (i) => user(ratedFrom + i) }));
  const existingAtRate = await measure(() => runPaced({ url, connections, rate, amount, body: issued }));
  return { ...(redisPerRequest ? { redis: redisPerRequest } : {}), first, existing, firstAtRate, existingAtRate };
}

/** Preparation chains that ended `prepared`, from the server's Prometheus metrics. */
async function preparedCount(baseUrl: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  let count = 0;
  for (const match of text.matchAll(/^strategy_center_outcomes_total\{([^}]*)\} (\d+)/gm)) {
    const labels = match[1] ?? '';
    if (labels.includes(`channel="${PREPARE_CHANNEL}"`) && labels.includes('status="prepared"')) count += Number(match[2]);
  }
  return count;
}
