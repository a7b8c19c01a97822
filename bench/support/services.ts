import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { cpus, freemem, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { parse, stringify } from 'yaml';

/** The real services on loopback, as the tests use them; override with BENCH_* for another machine. */
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const AMQP_URL = process.env.BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const NATS_URL = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';

export const ROOT = resolve(import.meta.dirname, '../..');
export const SAMPLE_CONFIG = join(ROOT, 'strategy-center.yaml');
export const CATALOG = join(ROOT, 'data/catalog.json');
/** The activity of the sample play; its channels are `browse_3_items` (prepare) and `home_banner` (issue). */
export const ACTIVITY_ID = 'act-1001';
export const PREPARE_CHANNEL = 'browse_3_items';
export const ISSUE_CHANNEL = 'home_banner';

/** A name no other run uses, valid as Redis prefix, broker namespace, BullMQ prefix and schema: `sc_b_<purpose>_<hex>`. */
export function uniqueName(purpose: string): string {
  return `sc_b_${purpose.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
}

type SampleConfig = {
  activities: (Record<string, unknown> & { benefit: Record<string, unknown> })[];
  catalog: string;
};

/**
 * The sample play with stock large enough that no benchmark run ever sees `out of stock` (which
 * would make issuance look cheaper than it is). Written to a temporary file.
 */
export function benchConfigFile(): string {
  const config = parse(readFileSync(SAMPLE_CONFIG, 'utf8')) as SampleConfig;
  config.catalog = CATALOG;
  for (const activity of config.activities) activity.benefit.stock = 100_000_000;
  const path = join(mkdtempSync(join(tmpdir(), 'sc-bench-')), 'strategy-center.yaml');
  writeFileSync(path, stringify(config));
  return path;
}

/** Three viewed items per user, rotating through the catalog, as the behavior rule would publish them. */
export function viewedItems(index: number): string[] {
  const ids = catalogIds();
  return [0, 1, 2].map((k) => ids[(index * 3 + k) % ids.length] as string);
}

let cachedIds: string[] | undefined;
function catalogIds(): string[] {
  cachedIds ??= (JSON.parse(readFileSync(CATALOG, 'utf8')) as { items: { id: string }[] }).items.map((item) => item.id);
  return cachedIds;
}

/** Deletes every key of a run: `ns:…` of the app, `{ns}:…` of the broker, `ns:bull:…` of BullMQ. */
export async function deleteRedisKeys(redis: Redis, name: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `*${name}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** `INFO commandstats` calls by command. Server-wide: another client on the same Redis during a phase inflates it. */
export async function commandStats(redis: Redis): Promise<Map<string, number>> {
  const text = await redis.info('commandstats');
  const calls = new Map<string, number>();
  for (const match of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(match[1] as string, Number(match[2]));
  return calls;
}

function diffStats(before: Map<string, number>, after: Map<string, number>, ignore: readonly string[] = ['info']): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [command, calls] of after) {
    const delta = calls - (before.get(command) ?? 0);
    if (delta > 0 && !ignore.includes(command)) out[command] = delta;
  }
  return out;
}

function sumValues(record: Record<string, number>): number {
  return Object.values(record).reduce((sum, value) => sum + value, 0);
}

async function redisCpuSeconds(redis: Redis): Promise<number> {
  const text = await redis.info('cpu');
  const user = Number(/used_cpu_user:([\d.]+)/.exec(text)?.[1] ?? 0);
  const sys = Number(/used_cpu_sys:([\d.]+)/.exec(text)?.[1] ?? 0);
  return user + sys;
}

/** CPU seconds a process has used (Linux /proc); undefined elsewhere. */
function processCpuSeconds(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the command name; in clock ticks (100 Hz).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Where the time of a measured interval went: Redis commands, and CPU of Redis, this process and the server under test. */
export interface ResourceUse {
  readonly seconds: number;
  readonly redisCommands: Readonly<Record<string, number>>;
  readonly redisCommandsTotal: number;
  /** Fraction of one core used by Redis (INFO cpu), by this process, and by the server child when there is one. */
  readonly cpu: { readonly redis: number; readonly bench: number; readonly server?: number };
  /** The CPU seconds behind `cpu`, unrounded. */
  readonly cpuSeconds: { readonly redis: number; readonly bench: number; readonly server?: number };
}

/** CPU microseconds per unit of work (event, job, request) of Redis, this process and the server child. */
export function cpuPerUnit(use: ResourceUse, units: number): { redisUs: number; benchUs: number; serverUs?: number } {
  const us = (seconds: number) => round((seconds * 1e6) / Math.max(1, units), 1);
  const { redis, bench, server } = use.cpuSeconds;
  return { redisUs: us(redis), benchUs: us(bench), ...(server === undefined ? {} : { serverUs: us(server) }) };
}

export async function startProbe(redis: Redis, serverPid?: number): Promise<() => Promise<ResourceUse>> {
  const stats = await commandStats(redis);
  const redisCpu = await redisCpuSeconds(redis);
  const serverCpu = serverPid === undefined ? undefined : processCpuSeconds(serverPid);
  const benchCpu = process.cpuUsage();
  const t0 = performance.now();
  return async () => {
    const seconds = (performance.now() - t0) / 1000;
    const bench = process.cpuUsage(benchCpu);
    const serverNow = serverPid === undefined ? undefined : processCpuSeconds(serverPid);
    const redisCommands = diffStats(stats, await commandStats(redis));
    const cpuSeconds = {
      redis: (await redisCpuSeconds(redis)) - redisCpu,
      bench: (bench.user + bench.system) / 1e6,
      ...(serverCpu !== undefined && serverNow !== undefined ? { server: serverNow - serverCpu } : {}),
    };
    return {
      seconds,
      redisCommands,
      redisCommandsTotal: sumValues(redisCommands),
      cpu: {
        redis: round(cpuSeconds.redis / seconds, 2),
        bench: round(cpuSeconds.bench / seconds, 2),
        ...(cpuSeconds.server === undefined ? {} : { server: round(cpuSeconds.server / seconds, 2) }),
      },
      cpuSeconds,
    };
  };
}

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cpus: number;
  readonly memoryGb: number;
  readonly freeMemoryGb: number;
  readonly platform: string;
  readonly node: string;
  readonly redis: string;
  readonly postgres: string;
  readonly commit: string;
}

export async function machineInfo(redis: Redis): Promise<MachineInfo> {
  const redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown';
  let postgres = 'unknown';
  const client = new pg.Client({ connectionString: DATABASE_URL });
  try {
    await client.connect();
    postgres = (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? 'unknown';
  } catch {
    postgres = 'unreachable';
  } finally {
    await client.end().catch(() => undefined);
  }
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cpus: cpus().length,
    memoryGb: round(totalmem() / 2 ** 30, 1),
    freeMemoryGb: round(freemem() / 2 ** 30, 1),
    platform: `${process.platform} ${process.arch}`,
    node: process.version,
    redis: redisVersion,
    postgres,
    commit: gitCommit(),
  };
}

function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head} (src modified)` : head;
  } catch {
    return 'unknown';
  }
}

export function round(value: number, digits = 0): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight. */
export async function inParallel(count: number, concurrency: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** Waits until `done()` holds, polling; throws with `describe()` after `timeoutMs`. */
export async function waitFor(
  done: () => Promise<boolean> | boolean,
  timeoutMs: number,
  describe: () => string,
  pollMs = 5,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await sleep(pollMs);
  }
}

export function openRedis(): Redis {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
  redis.on('error', () => undefined);
  return redis;
}

/** Commands one namespace sent to Redis, seen through MONITOR: what the clients sent, and what scripts ran inside. */
export interface RedisCensus {
  /** Commands sent by clients (each EVALSHA counted once), by command. */
  readonly sent: Readonly<Record<string, number>>;
  /** Commands run inside Lua scripts, by command. */
  readonly inScripts: Readonly<Record<string, number>>;
  readonly sentTotal: number;
  readonly inScriptsTotal: number;
}

/**
 * Starts counting, through MONITOR, the commands whose arguments name `namespace` (every key of a
 * run carries it). Exact per run even when other clients share the Redis, unlike INFO
 * commandstats — but MONITOR slows Redis down, so it watches only untimed work (warm-ups).
 */
export async function startCensus(namespace: string): Promise<() => Promise<RedisCensus>> {
  const sent: Record<string, number> = {};
  const inScripts: Record<string, number> = {};
  // A bare socket rather than ioredis: MONITOR's endless stream of status lines is simple to read,
  // and ioredis's monitor mode has been seen to lose track of its command queue under this load.
  const url = new URL(REDIS_URL);
  const socket = connect({ host: url.hostname, port: Number(url.port || 6379) });
  socket.setEncoding('utf8');
  let buffered = '';
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    let end = buffered.indexOf('\r\n');
    while (end >= 0) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      end = buffered.indexOf('\r\n');
      // +1700000000.123456 [0 127.0.0.1:50000] "EVALSHA" "…" …   or   [0 lua] for commands inside scripts
      const match = /^\+[\d.]+ \[\d+ ([^\]]+)\] "([^"]*)"/.exec(line);
      if (!match || !line.includes(namespace)) continue;
      const command = (match[2] ?? '?').toLowerCase();
      const counts = match[1] === 'lua' ? inScripts : sent;
      counts[command] = (counts[command] ?? 0) + 1;
    }
  });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  if (password) socket.write(`AUTH ${password}\r\n`);
  socket.write('MONITOR\r\n');
  await sleep(50);
  return async () => {
    // MONITOR lines trail the commands a little; let the last ones arrive.
    await sleep(100);
    socket.destroy();
    return { sent, inScripts, sentTotal: sumValues(sent), inScriptsTotal: sumValues(inScripts) };
  };
}

/** A census divided by the number of events it covered. */
export function perEvent(census: RedisCensus, events: number): RedisCensus {
  const divide = (record: Readonly<Record<string, number>>) =>
    Object.fromEntries(Object.entries(record).map(([command, count]) => [command, round(count / events, 2)]));
  return {
    sent: divide(census.sent),
    inScripts: divide(census.inScripts),
    sentTotal: round(census.sentTotal / events, 2),
    inScriptsTotal: round(census.inScriptsTotal / events, 2),
  };
}
