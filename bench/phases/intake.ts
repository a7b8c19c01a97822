import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChildServer, spawnServer } from '../support/child-server.js';
import { type LoadResult, runLoad } from '../support/load.js';
import {
  cpuPerUnit,
  deleteRedisKeys,
  openRedis,
  perEvent,
  REDIS_URL,
  type RedisCensus,
  ROOT,
  round,
  sleep,
  startCensus,
  startProbe,
  uniqueName,
  waitFor,
} from '../support/services.js';

export interface IntakeOptions {
  readonly configPath: string;
  readonly connections: number;
  /** Behaviors posted one per request (`POST /v1/behaviors`). */
  readonly singleBehaviors: number;
  /** Behaviors posted in batches (`POST /v1/behaviors/batch`). */
  readonly batchBehaviors: number;
  readonly batchSize: number;
  readonly batchConnections: number;
}

export interface IntakeRun {
  readonly behaviorsPerSec: number;
  readonly requestsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly behaviors: number;
  readonly non2xx: number;
  /** Redis commands per behavior, this run's namespace alone (MONITOR over a warm-up of the same shape). */
  readonly redis: RedisCensus;
  /** Socket writes from the server to Redis per behavior: its round trips as the client sees them. */
  readonly roundTripsPerBehavior: number;
  readonly cpuPerBehavior: ReturnType<typeof cpuPerUnit>;
}

export interface IntakeResult {
  readonly single: IntakeRun;
  readonly batch: IntakeRun & { readonly batchSize: number };
}

/**
 * Raw behaviors into one `strategy-center serve` process on Redis (broker: Redis Streams), with no
 * consumers, so the figure is the intake's alone: counting against the sample rule (3 item views
 * in 24 h), and for every third behavior of a user the fired rule's message confirmed on the stream.
 */
export async function benchIntake(options: IntakeOptions): Promise<IntakeResult> {
  const namespace = uniqueName('intake');
  const redis = openRedis();
  let server: ChildServer | undefined;
  try {
    const countFile = join(mkdtempSync(join(tmpdir(), 'sc-intake-')), 'redis-writes');
    const env = { REDIS_URL, BROKER_URL: REDIS_URL, NAMESPACE: namespace, COUNT_REDIS_WRITES_FILE: countFile };
    server = await spawnServer(options.configPath, env, 30_000, {
      args: ['--no-consumers'],
      nodeArgs: ['--require', join(ROOT, 'bench/support/count-redis-writes.cjs')],
    });
    const running = server;
    const view = (run: string, i: number) => ({
      userId: `${run}-u${Math.floor(i / 3)}`,
      type: 'item_view',
      itemId: `sku-${String((i % 36) + 1).padStart(3, '0')}`,
      eventId: `${run}-b${i}`,
    });
    let sequence = 0;
    const writesNow = async () => {
      sequence += 1;
      running.child.kill('SIGUSR2');
      const read = () => (existsSync(countFile) ? readFileSync(countFile, 'utf8').split(' ').map(Number) : []);
      await waitFor(
        async () => read()[0] === sequence,
        5_000,
        () => 'the server to report its Redis writes',
      );
      return read()[1] ?? 0;
    };
    const measure = async (run: string, behaviors: number, perRequest: number, connections: number): Promise<IntakeRun> => {
      const url = `${running.url}${perRequest === 1 ? '/v1/behaviors' : '/v1/behaviors/batch'}`;
      const body = (prefix: string) => (r: number) =>
        perRequest === 1 ? view(prefix, r) : Array.from({ length: perRequest }, (_, k) => view(prefix, r * perRequest + k));
      // Warm-up of the same shape under MONITOR: commands per behavior, exact for this namespace.
      const census = await startCensus(namespace);
      const warmRequests = Math.max(connections, Math.ceil(behaviors / 10 / perRequest));
      await runLoad({ url, connections, amount: warmRequests, body: body(`${run}w`) });
      const redisPerBehavior = perEvent(await census(), warmRequests * perRequest);
      await sleep(200);
      const writesBefore = await writesNow();
      const stop = await startProbe(redis, running.child.pid);
      const result: LoadResult = await runLoad({
        url,
        connections,
        amount: Math.max(connections, Math.ceil(behaviors / perRequest)),
        body: body(run),
      });
      const use = await stop();
      const writes = (await writesNow()) - writesBefore;
      const measured = result.requests * perRequest;
      return {
        behaviorsPerSec: round((result.requests * perRequest) / result.seconds),
        requestsPerSec: result.reqPerSec,
        p50Ms: result.p50Ms,
        p99Ms: result.p99Ms,
        behaviors: measured,
        non2xx: result.non2xx,
        redis: redisPerBehavior,
        roundTripsPerBehavior: round(writes / Math.max(1, measured), 3),
        cpuPerBehavior: cpuPerUnit(use, measured),
      };
    };
    const single = await measure('s', options.singleBehaviors, 1, options.connections);
    const batch = await measure('m', options.batchBehaviors, options.batchSize, options.batchConnections);
    return { single, batch: { ...batch, batchSize: options.batchSize } };
  } finally {
    await server?.stop().catch(() => undefined);
    await deleteRedisKeys(redis, namespace).catch(() => undefined);
    redis.disconnect();
  }
}
