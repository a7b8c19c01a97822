import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import type { App } from '../../src/app/create-app.js';
import { type ChildServer, spawnServer } from '../support/child-server.js';
import { fromDist } from '../support/dist.js';
import { runLoad } from '../support/load.js';
import {
  cpuPerUnit,
  DATABASE_URL,
  deleteRedisKeys,
  dropSchema,
  ISSUE_CHANNEL,
  inParallel,
  openRedis,
  PREPARE_CHANNEL,
  REDIS_URL,
  round,
  sleep,
  startProbe,
  uniqueName,
  viewedItems,
} from '../support/services.js';

export interface TracingOptions {
  readonly configPath: string;
  readonly connections: number;
  /** First issuances per server before anything is measured. */
  readonly warmupUsers: number;
  /** First issuances per measured run. */
  readonly usersPerRun: number;
  /** Each variant is measured this many times, the variants taking turns, so a busy spell of the shared machine hits all alike. */
  readonly rounds: number;
}

export interface TracingVariant {
  readonly name: string;
  /** Median over the rounds. */
  readonly reqPerSec: number;
  readonly p99Ms: number;
  /** CPU µs of the server per click: what tracing costs, however busy the machine. */
  readonly serverUsPerRequest: number;
  /** Spans the local OTLP receiver got per measured click (0 when off). */
  readonly spansPerRequest: number;
  /** Every round, for the record. */
  readonly runs: readonly { reqPerSec: number; p99Ms: number; serverUsPerRequest: number; load: number }[];
  /** 1-minute load average at the end of this variant's last run (the machine is shared). */
  readonly load: number;
}

export interface TracingResult {
  readonly variants: readonly TracingVariant[];
}

/**
 * First issuances (Redis + PostgreSQL, 64 connections) on three `serve` processes alike but for
 * tracing: off; on, every span exported over OTLP/HTTP to a receiver in this process; on, 10% of
 * traces sampled. The receiver counts the spans it gets, so "on" is seen to export everything
 * (its batch queue is made large enough not to drop any at this rate).
 */
export async function benchTracing(options: TracingOptions): Promise<TracingResult> {
  const { createApp } = await fromDist<typeof import('../../src/app/create-app.js')>('app/create-app.js');
  const namespace = uniqueName('otel');
  const env = { REDIS_URL, DATABASE_URL, NAMESPACE: namespace, DATABASE_SCHEMA: namespace };
  const redis = openRedis();
  const receiver = await startReceiver();
  const exporting = {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_SERVICE_NAME: 'strategy-center-bench',
    OTEL_BSP_MAX_QUEUE_SIZE: '100000',
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2048',
    OTEL_BSP_SCHEDULE_DELAY: '500',
  };
  const variants = [
    { name: 'tracing off', env: {} },
    { name: 'on, all spans exported', env: { ...exporting, OTEL_TRACES_SAMPLER_ARG: '1' } },
    { name: 'on, 10% sampled', env: { ...exporting, OTEL_TRACES_SAMPLER_ARG: '0.1' } },
  ];
  const users = variants.length * (options.warmupUsers + options.rounds * options.usersPerRun);
  let app: App | undefined;
  const servers: ChildServer[] = [];
  try {
    app = await createApp({ configPath: options.configPath, env: { ...env, MIGRATE: 'true' } });
    const preparing = app;
    await inParallel(users, 64, async (i) => {
      await preparing.dispatcher.dispatch({ channelCode: PREPARE_CHANNEL, userId: `u${i}`, payload: { itemIds: viewedItems(i) } });
    });
    await app.close();
    app = undefined;
    for (const variant of variants) servers.push(await spawnServer(options.configPath, { ...env, ...variant.env }));

    let next = 0;
    const take = (count: number) => {
      const from = next;
      next += count;
      return from;
    };
    const clicks = (server: ChildServer, count: number) => {
      const from = take(count);
      return runLoad({
        url: `${server.url}/v1/channels/${ISSUE_CHANNEL}/events`,
        connections: options.connections,
        amount: count,
        body: (i) => ({ userId: `u${from + i}` }),
      });
    };
    for (const server of servers) await clicks(server, options.warmupUsers);
    await sleep(1_000);

    const runs: TracingVariant['runs'][number][][] = variants.map(() => []);
    const spans: number[] = variants.map(() => 0);
    for (let round_ = 0; round_ < options.rounds; round_ += 1) {
      for (const [index, server] of servers.entries()) {
        await sleep(300);
        const spansBefore = receiver.spans();
        const stop = await startProbe(redis, server.child.pid);
        const result = await clicks(server, options.usersPerRun);
        const use = await stop();
        if (result.outcomes.issued !== result.requests) {
          throw new Error(`${variants[index]?.name}: ${JSON.stringify(result.outcomes)} of ${result.requests}, expected all issued`);
        }
        // The last batch leaves within the schedule delay; wait for it before the next run.
        await sleep(index === 0 ? 0 : 1_200);
        spans[index] = (spans[index] ?? 0) + receiver.spans() - spansBefore;
        runs[index]?.push({
          reqPerSec: result.reqPerSec,
          p99Ms: result.p99Ms,
          serverUsPerRequest: cpuPerUnit(use, result.requests).serverUs ?? 0,
          load: round(loadavg()[0] ?? 0, 2),
        });
      }
    }
    return {
      variants: variants.map((variant, index) => {
        const own = runs[index] ?? [];
        return {
          name: variant.name,
          reqPerSec: median(own.map((run) => run.reqPerSec)),
          p99Ms: median(own.map((run) => run.p99Ms)),
          serverUsPerRequest: median(own.map((run) => run.serverUsPerRequest)),
          spansPerRequest: round((spans[index] ?? 0) / (options.rounds * options.usersPerRun), 1),
          runs: own,
          load: own.at(-1)?.load ?? 0,
        };
      }),
    };
  } finally {
    for (const server of servers) await server.stop().catch(() => undefined);
    await app?.close().catch(() => undefined);
    await new Promise((resolve) => receiver.server.close(resolve));
    await deleteRedisKeys(redis, namespace).catch(() => undefined);
    await dropSchema(namespace).catch(() => undefined);
    redis.disconnect();
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const value = sorted.length % 2 === 1 ? sorted[middle] : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  return round(value ?? 0, 1);
}

/** A local OTLP/HTTP receiver: answers 200 and counts the spans in each JSON export (their `"spanId":` keys). */
async function startReceiver(): Promise<{ url: string; server: Server; spans: () => number }> {
  let spans = 0;
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      spans += body.split('"spanId":').length - 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, spans: () => spans };
}
