/**
 * `npm run bench`: the performance of strategy-center measured side by side with its peer and
 * with the limit of the machine, in one run on the real services. A benchmark, not a test: it
 * reports targets, it does not assert them. See bench/README.md.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { type AuthResult, benchAuth } from './phases/auth.js';
import { benchCeiling, type CeilingResult } from './phases/ceiling.js';
import { benchEngine, type EngineResult } from './phases/engine.js';
import { benchIntake, type IntakeOptions, type IntakeResult, type IntakeRun } from './phases/intake.js';
import { benchIssuanceEmbedded, benchIssuanceRedisPostgres, type IssuanceBackendResult, type IssuanceOptions } from './phases/issuance.js';
import { benchLedgerCeiling, type LedgerCeilingResult } from './phases/ledger-ceiling.js';
import { benchPeer, type PeerResult } from './phases/peer.js';
import { benchPipeline, type PipelineResult } from './phases/pipeline.js';
import { benchTracing, type TracingResult } from './phases/tracing.js';
import { CLI } from './support/child-server.js';
import { AMQP_URL, benchConfigFile, machineInfo, NATS_URL, openRedis, type RedisCensus, ROOT, round } from './support/services.js';
import { fmt, formatTable } from './support/table.js';

/** `--quick` (or BENCH_QUICK=1): a smaller run for trying the bench out, not for reporting. */
const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const scale = (n: number) => (quick ? Math.max(1, Math.round(n / 5)) : n);
/**
 * `--only tracing|intake` (or BENCH_ONLY=…): that phase alone, its summary, and
 * bench/results/<phase>.json — the quick way to measure a change to one path before and after.
 */
const ONLY_PHASES = ['tracing', 'intake'] as const;
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : process.env.BENCH_ONLY;

const TARGETS = {
  batchIntakePerSec: 30_000,
  pipelineOverPeer: 2.5,
  pipelineOverCeiling: 0.5,
  issuanceP99Ms: 10,
  issuanceRate: 2_000,
  engineNsPerStep: 5_000,
  // Issue 9: one serve process, first issuances on one hot pool.
  firstAt64: 1_200,
  sweepHighOverLow: 0.9,
  p99At64Ms: 60,
};
/** Concurrency of the peer's BullMQ worker (its throughput is flat from 32 up on two cores). */
const CONCURRENCY = 32;
/**
 * Deliveries in flight in the pipeline's consumer: the worker's default (DEFAULT_CONSUMER_CONCURRENCY),
 * read in batches of half of it, as `strategy-center worker` runs.
 */
const PIPELINE_CONCURRENCY = 256;

const SIZES = {
  engine: { dispatches: scale(30_000), rounds: 5 },
  auth: { requests: scale(20_000), rounds: 5 },
  ceiling: { seconds: quick ? 1 : 4, warmupSeconds: 0.5, batch: 100, loops: 8 },
  pipeline: { events: scale(12_000), warmupEvents: scale(1_000), concurrency: PIPELINE_CONCURRENCY, publishers: 256 },
  peer: { events: scale(12_000), warmupEvents: scale(1_000), concurrency: CONCURRENCY, publishers: 256 },
  otherBrokers: { events: scale(4_000), warmupEvents: scale(500), concurrency: PIPELINE_CONCURRENCY, publishers: 256 },
  /** JetStream's default, the same as the other brokers' since it pulls batches (src/infra/broker/README.md). */
  natsConcurrency: PIPELINE_CONCURRENCY,
  intake: {
    connections: 64,
    singleBehaviors: scale(20_000),
    batchBehaviors: scale(60_000),
    batchSize: 1_000,
    batchConnections: 4,
  } satisfies Omit<IntakeOptions, 'configPath'>,
  issuance: {
    connections: 64,
    warmupUsers: scale(1_000),
    firstUsers: scale(4_000),
    rate: TARGETS.issuanceRate,
    ratedSeconds: quick ? 1 : 4,
    existingSeconds: quick ? 1 : 4,
    sweepConnections: [16, 64, 256],
    sweepUsers: scale(3_000),
  } satisfies Omit<IssuanceOptions, 'configPath'>,
  ledgerCeiling: { clients: [4, 16, 64], shards: [1, 16], seconds: quick ? 1 : 3 },
  /** Issue 14: first issuances with tracing off, on (all exported), on (10% sampled), taking turns. */
  tracing: { connections: 64, warmupUsers: scale(500), usersPerRun: scale(2_500), rounds: 3 },
};

type Failed = { readonly error: string };
const failed = (value: unknown): value is Failed => typeof value === 'object' && value !== null && 'error' in value;

async function main(): Promise<number> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm run bench does)`);
  if (only !== undefined) {
    if (only === 'tracing') return tracingOnly();
    if (only === 'intake') return intakeOnly();
    throw new Error(`--only ${only}: expected one of ${ONLY_PHASES.join(', ')}`);
  }
  const runStarted = performance.now();
  const redis = openRedis();
  const machine = await machineInfo(redis);
  const loadBefore = loadavg().map((l) => round(l, 2));
  const configPath = benchConfigFile();
  console.log(
    `strategy-center bench${quick ? ' (quick)' : ''}: ${machine.cpus} × ${machine.cpuModel}, node ${machine.node}, redis ${machine.redis}, postgres ${machine.postgres}, commit ${machine.commit}`,
  );
  if ((loadBefore[0] ?? 0) > machine.cpus / 2) {
    console.log(`note: load average is ${loadBefore.join(' ')} on ${machine.cpus} cores before the start; figures will be noisy`);
  }

  const phases = 12;
  let index = 0;
  // Other work may share these services (a test suite restarting Redis, say): a phase that fails,
  // or during which Redis restarted, runs once more, and the output says why.
  const phase = async <T>(name: string, run: () => Promise<T>, summary: (result: T) => string): Promise<T | Failed> => {
    index += 1;
    const label = `[${index}/${phases}] ${name}`;
    // On a terminal the line is rewritten in place; in a log it is written once, when done.
    const tty = process.stdout.isTTY === true;
    const done = (text: string) => process.stdout.write(`${tty ? '\r' : ''}${label}: ${text}\n`);
    for (let attempt = 1; ; attempt += 1) {
      if (tty) process.stdout.write(`${label} …`);
      const started = performance.now();
      const redisBefore = await redisRunId(redis);
      let outcome: T | Failed;
      try {
        outcome = await run();
      } catch (error) {
        outcome = { error: error instanceof Error ? error.message : String(error) };
      }
      const restarted = redisBefore !== (await redisRunId(redis));
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      if (attempt === 1 && (failed(outcome) || restarted)) {
        const why = restarted
          ? 'Redis restarted during the phase (by someone else)'
          : `failed: ${firstLine(failed(outcome) ? outcome.error : '')}`;
        done(`${why}; running it again (${seconds} s)`);
        continue;
      }
      if (failed(outcome)) done(`FAILED: ${firstLine(outcome.error)}`);
      else done(`${summary(outcome)}${restarted ? ' — Redis restarted during the phase again: figures suspect' : ''} (${seconds} s)`);
      return outcome;
    }
  };

  const engine = await phase(
    'engine',
    () => benchEngine(SIZES.engine),
    (r) => `${fmt(r.nsPerStep)} ns/step, ${fmt(r.nsPerDispatch.steps5 / 1000, 1)} µs per 5-step dispatch`,
  );
  const auth = await phase(
    'front door (signed requests)',
    () => benchAuth(SIZES.auth),
    (r) => `${fmt(r.usPerVerification, 1)} µs to verify, ${fmt(r.usPerSigning, 1)} µs to sign`,
  );
  const ceiling = await phase(
    'ceiling (bare ioredis, pipelined)',
    () => benchCeiling(SIZES.ceiling),
    (r) => `${fmt(r.eventsPerSec)} events/s`,
  );
  const pipeline = await phase(
    'pipeline (Redis Streams → prepared data)',
    () => benchPipeline({ configPath, ...SIZES.pipeline }),
    (r) => ('skipped' in r ? `skipped: ${r.skipped}` : `${fmt(r.eventsPerSec)} events/s`),
  );
  const peer = await phase(
    'peer (BullMQ jobs)',
    () => benchPeer(SIZES.peer),
    (r) => `${fmt(r.jobsPerSec)} jobs/s`,
  );
  // The same pipeline over the two other brokers, smaller: reported beside Redis Streams.
  const otherBrokers: Record<string, PipelineResult | Failed> = {};
  for (const [name, brokerUrl] of [
    ['RabbitMQ', AMQP_URL],
    ['NATS JetStream', NATS_URL],
  ] as const) {
    otherBrokers[name] = await phase(
      `pipeline (${name} → prepared data)`,
      () =>
        benchPipeline({
          configPath,
          ...SIZES.otherBrokers,
          ...(brokerUrl === NATS_URL ? { concurrency: SIZES.natsConcurrency } : {}),
          brokerUrl,
        }),
      (r) => ('skipped' in r ? `skipped: ${r.skipped}` : `${fmt(r.eventsPerSec)} events/s`),
    );
  }
  const intake = await phase(
    'intake on Redis (HTTP, single and batch)',
    () => benchIntake({ configPath, ...SIZES.intake }),
    (r) =>
      `single ${fmt(r.single.behaviorsPerSec)} behaviors/s; batch of ${fmt(r.batch.batchSize)} ${fmt(r.batch.behaviorsPerSec)} behaviors/s`,
  );
  const ledger = await phase(
    'ledger ceiling (pgbench on issue_next_asset, one pool)',
    () => benchLedgerCeiling(SIZES.ledgerCeiling),
    (r) =>
      'skipped' in r
        ? `skipped: ${r.skipped}`
        : r.runs.map((run) => `${run.shards === 1 ? '1 slot' : `${run.shards} slots`} × ${run.clients}: ${fmt(run.tps)}`).join(', ') +
          ' tps',
  );
  const issuance = await phase(
    'issuance on Redis + PostgreSQL (HTTP, 64 connections; sweep 16/64/256)',
    () => benchIssuanceRedisPostgres({ configPath, ...SIZES.issuance }),
    (r) =>
      `first ${fmt(r.first.reqPerSec)} req/s p99 ${fmt(r.first.p99Ms, 1)} ms; existing ${fmt(r.existing.reqPerSec)} req/s; sweep ${(
        r.sweep ?? []
      )
        .map((level) => `${level.connections}: ${fmt(level.reqPerSec)}`)
        .join(', ')}`,
  );
  const embedded = await phase(
    'issuance on the embedded default (HTTP, 64 connections)',
    () => benchIssuanceEmbedded({ configPath, ...SIZES.issuance }),
    (r) => `first ${fmt(r.first.reqPerSec)} req/s p99 ${fmt(r.first.p99Ms, 1)} ms; existing ${fmt(r.existing.reqPerSec)} req/s`,
  );
  const tracing = await phase(
    'tracing cost (first issuance, Redis + PostgreSQL, off / on / 10%)',
    () => benchTracing({ configPath, ...SIZES.tracing }),
    tracingSummary,
  );

  const pipelineRate = !failed(pipeline) && !('skipped' in pipeline) ? pipeline.eventsPerSec : undefined;
  const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && b > 0 ? round(a / b, 2) : null);
  const ratios = {
    'pipeline/peer': ratio(pipelineRate, failed(peer) ? undefined : peer.jobsPerSec),
    'pipeline/ceiling': ratio(pipelineRate, failed(ceiling) ? undefined : ceiling.eventsPerSec),
  };
  const rated = failed(issuance) ? undefined : issuance.firstAtRate;
  const level = (connections: number) => (failed(issuance) ? undefined : issuance.sweep?.find((l) => l.connections === connections));
  const highOverLow = ratio(level(256)?.reqPerSec, level(16)?.reqPerSec);
  const targets = [
    {
      name: 'first issuances/s at 64 connections (one hot pool)',
      value: level(64)?.reqPerSec ?? null,
      target: `>= ${fmt(TARGETS.firstAt64)}`,
      met: meets(level(64)?.reqPerSec ?? null, (v) => v >= TARGETS.firstAt64),
    },
    {
      name: 'first issuances: 256 connections / 16 connections',
      value: highOverLow,
      target: `>= ${TARGETS.sweepHighOverLow}`,
      met: meets(highOverLow, (v) => v >= TARGETS.sweepHighOverLow),
    },
    {
      name: 'first issuance p99 at 64 connections',
      value: level(64)?.p99Ms ?? null,
      target: `< ${TARGETS.p99At64Ms} ms`,
      met: meets(level(64)?.p99Ms ?? null, (v) => v < TARGETS.p99At64Ms),
    },
    {
      name: 'stock taken - assets written (issuance and ledger runs)',
      value: failed(issuance)
        ? null
        : (issuance.takenMinusAssets ?? 0) + (failed(ledger) || 'skipped' in ledger ? 0 : ledger.takenMinusAssets),
      target: '= 0',
      met: failed(issuance)
        ? null
        : (issuance.takenMinusAssets ?? 0) + (failed(ledger) || 'skipped' in ledger ? 0 : ledger.takenMinusAssets) === 0,
    },
    {
      name: 'pipeline / peer',
      value: ratios['pipeline/peer'],
      target: `>= ${TARGETS.pipelineOverPeer}`,
      met: meets(ratios['pipeline/peer'], (v) => v >= TARGETS.pipelineOverPeer),
    },
    {
      name: 'pipeline / ceiling',
      value: ratios['pipeline/ceiling'],
      target: `>= ${TARGETS.pipelineOverCeiling}`,
      met: meets(ratios['pipeline/ceiling'], (v) => v >= TARGETS.pipelineOverCeiling),
    },
    {
      name: `issuance p99 at ${fmt(TARGETS.issuanceRate)} rps (Redis + PostgreSQL, first issuance)`,
      value: rated?.p99Ms ?? null,
      target: `< ${TARGETS.issuanceP99Ms} ms`,
      met: rated ? !rated.saturated && rated.p99Ms < TARGETS.issuanceP99Ms : null,
    },
    {
      name: 'batch intake, behaviors/s in one API process on Redis',
      value: failed(intake) ? null : intake.batch.behaviorsPerSec,
      target: `>= ${fmt(TARGETS.batchIntakePerSec)}`,
      met: failed(intake) ? null : intake.batch.behaviorsPerSec >= TARGETS.batchIntakePerSec,
    },
    {
      name: 'engine overhead per processor step',
      value: failed(engine) ? null : engine.nsPerStep,
      target: `< ${fmt(TARGETS.engineNsPerStep)} ns`,
      met: failed(engine) ? null : engine.nsPerStep < TARGETS.engineNsPerStep,
    },
  ];

  const report = {
    timestamp: new Date().toISOString(),
    durationSec: 0,
    quick,
    machine: { ...machine, loadAverage: { before: loadBefore, after: [] as number[] } },
    sizes: SIZES,
    pipeline: failed(pipeline) ? pipeline : 'skipped' in pipeline ? { eventsPerSec: null, ...pipeline } : pipeline,
    /** End-to-end events per second through each broker (RabbitMQ and NATS with fewer events). */
    pipelineByBroker: Object.fromEntries(
      [['Redis Streams', pipeline] as const, ...Object.entries(otherBrokers)].map(([name, result]) => [
        name,
        failed(result) || 'skipped' in result ? null : result.eventsPerSec,
      ]),
    ),
    otherBrokers,
    peer,
    ceiling,
    ledgerCeiling: ledger,
    intake,
    issuance: failed(issuance)
      ? { ...issuance, embedded }
      : {
          reqPerSec: issuance.first.reqPerSec,
          p50Ms: issuance.first.p50Ms,
          p99Ms: issuance.first.p99Ms,
          measuredAs: 'first issuance, Redis + PostgreSQL, 64 connections at full speed',
          ...issuance,
          embedded,
        },
    engine,
    auth,
    tracing,
    ratios,
    targets,
  };
  report.machine.loadAverage.after = loadavg().map((l) => round(l, 2));
  report.durationSec = round((performance.now() - runStarted) / 1000, 1);
  const resultsDir = join(ROOT, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const resultsFile = join(resultsDir, 'latest.json');
  writeFileSync(resultsFile, `${JSON.stringify(report, null, 2)}\n`);

  console.log(`\n${measurementsTable({ engine, auth, ceiling, pipeline, peer, otherBrokers, intake, issuance, embedded })}`);
  console.log(`\n${hotPoolTable(ledger, issuance)}`);
  console.log(`\n${targetsTable(targets)}`);
  if (!failed(tracing)) console.log(`\n${tracingTable(tracing)}`);
  if (!failed(ceiling) && !failed(pipeline) && !('skipped' in pipeline)) {
    const drift = mixDrift(pipeline.redis, ceiling.redis);
    if (drift.length > 0) console.log(`\nnote: the ceiling's command mix differs from the pipeline's (per event): ${drift.join(', ')}`);
  }
  console.log(
    `\npipeline by broker, events/s end to end: ${Object.entries(report.pipelineByBroker)
      .map(([name, rate]) => `${name} ${rate === null ? 'n/a' : fmt(rate)}`)
      .join(', ')}`,
  );
  console.log(`\nwritten to ${resultsFile} in ${report.durationSec} s`);
  redis.disconnect();
  const errors = [engine, auth, ceiling, pipeline, peer, ledger, intake, issuance, embedded, tracing].filter(failed);
  return errors.length > 0 ? 1 : 0;
}

/** The tracing phase on its own: for measuring what OpenTelemetry costs without the whole run. */
async function tracingOnly(): Promise<number> {
  const redis = openRedis();
  const machine = await machineInfo(redis);
  redis.disconnect();
  const loadBefore = loadavg().map((l) => round(l, 2));
  console.log(
    `strategy-center bench --only tracing${quick ? ' (quick)' : ''}: ${machine.cpus} × ${machine.cpuModel}, node ${machine.node}, commit ${machine.commit}, load ${loadBefore.join(' ')}`,
  );
  const started = performance.now();
  const result = await benchTracing({ configPath: benchConfigFile(), ...SIZES.tracing });
  console.log(`${tracingSummary(result)} (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
  console.log(tracingTable(result));
  const resultsDir = join(ROOT, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, 'tracing.json');
  const loadAfter = loadavg().map((l) => round(l, 2));
  writeFileSync(
    file,
    `${JSON.stringify({ timestamp: new Date().toISOString(), quick, machine: { ...machine, loadAverage: { before: loadBefore, after: loadAfter } }, sizes: SIZES.tracing, tracing: result }, null, 2)}\n`,
  );
  console.log(`\nload average ${loadBefore.join(' ')} before, ${loadAfter.join(' ')} after; written to ${file}`);
  return 0;
}

/** The intake phase on its own (single and batch): for measuring an intake change without the whole run. */
async function intakeOnly(): Promise<number> {
  const redis = openRedis();
  const machine = await machineInfo(redis);
  redis.disconnect();
  const loadBefore = loadavg().map((l) => round(l, 2));
  console.log(
    `strategy-center bench --only intake${quick ? ' (quick)' : ''}: ${machine.cpus} × ${machine.cpuModel}, node ${machine.node}, commit ${machine.commit}, load ${loadBefore.join(' ')}`,
  );
  const result = await benchIntake({ configPath: benchConfigFile(), ...SIZES.intake });
  const cpuText = (run: IntakeRun) =>
    `CPU µs/behavior redis ${fmt(run.cpuPerBehavior.redisUs, 1)} / bench ${fmt(run.cpuPerBehavior.benchUs, 1)} / server ${fmt(run.cpuPerBehavior.serverUs ?? 0, 1)}`;
  for (const [label, run] of [
    ['POST /v1/behaviors', result.single],
    [`batch of ${fmt(result.batch.batchSize)}`, result.batch],
  ] as const) {
    console.log(
      `${label}: ${fmt(run.behaviorsPerSec)} behaviors/s, p50 ${fmt(run.p50Ms, 2)} ms, p99 ${fmt(run.p99Ms, 2)} ms, ${fmt(run.redis.sentTotal, 1)} Redis commands and ${fmt(run.roundTripsPerBehavior, 3)} round trips per behavior, ${cpuText(run)}${run.non2xx > 0 ? `, ${run.non2xx} non-2xx` : ''}`,
    );
  }
  const resultsDir = join(ROOT, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, 'intake.json');
  const loadAfter = loadavg().map((l) => round(l, 2));
  writeFileSync(
    file,
    `${JSON.stringify({ timestamp: new Date().toISOString(), quick, machine: { ...machine, loadAverage: { before: loadBefore, after: loadAfter } }, sizes: SIZES.intake, intake: result }, null, 2)}\n`,
  );
  console.log(`\nload average ${loadBefore.join(' ')} before, ${loadAfter.join(' ')} after; written to ${file}`);
  return 0;
}

function tracingSummary(result: TracingResult): string {
  return result.variants.map((variant) => `${variant.name} ${fmt(variant.reqPerSec)} req/s`).join('; ');
}

function tracingTable(result: TracingResult): string {
  const off = result.variants[0];
  return formatTable(
    ['tracing (first issuance, 64 conn.)', 'req/s', 'vs off', 'p99 ms', 'server µs/req', 'vs off', 'spans/req', 'load 1m', 'runs (req/s)'],
    result.variants.map((variant) => [
      variant.name,
      fmt(variant.reqPerSec),
      off ? `${fmt((variant.reqPerSec / off.reqPerSec - 1) * 100, 1)}%` : '',
      fmt(variant.p99Ms, 1),
      fmt(variant.serverUsPerRequest),
      off ? `${fmt((variant.serverUsPerRequest / off.serverUsPerRequest - 1) * 100, 1)}%` : '',
      fmt(variant.spansPerRequest, 1),
      fmt(variant.load, 2),
      variant.runs.map((run) => fmt(run.reqPerSec)).join(' / '),
    ]),
    [1, 2, 3, 4, 5, 6, 7],
  );
}

/**
 * Commands sent per event where the ceiling's hand-written copy of the chain's Redis work and the
 * pipeline disagree (by half a command or more): the adapters changed and the ceiling should follow.
 */
function mixDrift(pipeline: RedisCensus, ceiling: RedisCensus): string[] {
  const commands = new Set([...Object.keys(pipeline.sent), ...Object.keys(ceiling.sent)]);
  return [...commands]
    .filter((command) => Math.abs((pipeline.sent[command] ?? 0) - (ceiling.sent[command] ?? 0)) >= 0.5)
    .map((command) => `${command} ${fmt(pipeline.sent[command] ?? 0, 2)} vs ${fmt(ceiling.sent[command] ?? 0, 2)}`);
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

/** Changes when the Redis server restarts; `unreachable` while it is down. */
async function redisRunId(redis: ReturnType<typeof openRedis>): Promise<string> {
  try {
    return /run_id:(\w+)/.exec(await redis.info('server'))?.[1] ?? 'unknown';
  } catch {
    return 'unreachable';
  }
}

function meets(value: number | null, check: (value: number) => boolean): boolean | null {
  return value === null ? null : check(value);
}

function measurementsTable(r: {
  engine: EngineResult | Failed;
  auth: AuthResult | Failed;
  ceiling: CeilingResult | Failed;
  pipeline: PipelineResult | Failed;
  peer: PeerResult | Failed;
  otherBrokers: Record<string, PipelineResult | Failed>;
  intake: IntakeResult | Failed;
  issuance: IssuanceBackendResult | Failed;
  embedded: IssuanceBackendResult | Failed;
}): string {
  const rows: string[][] = [];
  const cpu = (c: { redisUs: number; benchUs: number; serverUs?: number }) =>
    `${fmt(c.redisUs)} / ${fmt(c.benchUs)}${c.serverUs === undefined ? '' : ` / ${fmt(c.serverUs)}`}`;
  const missing = (name: string, value: Failed | { skipped: string }) =>
    rows.push([
      name,
      'error' in value ? `failed: ${value.error.split('\n')[0]?.slice(0, 70)}` : `skipped: ${value.skipped}`,
      '',
      '',
      '',
      '',
      '',
    ]);

  if (failed(r.engine)) missing('engine', r.engine);
  else {
    rows.push([
      'engine: per processor step',
      `${fmt(r.engine.nsPerStep)} ns`,
      '',
      '',
      '',
      '',
      '',
      `marginal ${fmt(r.engine.marginalNsPerStep)} ns`,
    ]);
    rows.push([
      'engine: per dispatch (0 / 1 / 5 steps)',
      `${fmt(r.engine.nsPerDispatch.steps0 / 1000, 1)} / ${fmt(r.engine.nsPerDispatch.steps1 / 1000, 1)} / ${fmt(r.engine.nsPerDispatch.steps5 / 1000, 1)} µs`,
      '',
      '',
      '',
      '',
      '',
      'memory adapters, no lock, traces discarded',
    ]);
    rows.push([
      'engine: 5-step dispatch, MemoryTraceStore',
      `${fmt(r.engine.nsPerDispatchWithMemoryTraces / 1000, 1)} µs`,
      '',
      '',
      '',
      '',
      '',
      'default bounds, full: its bookkeeping',
    ]);
  }
  if (failed(r.auth)) missing('front door', r.auth);
  else
    rows.push([
      'front door: verify a signed request',
      `${fmt(r.auth.usPerVerification, 1)} µs`,
      '',
      '',
      '',
      '',
      '',
      `HMAC-SHA256 + body digest + nonce (memory); signing ${fmt(r.auth.usPerSigning, 1)} µs`,
    ]);
  if (failed(r.ceiling)) missing('ceiling', r.ceiling);
  else
    rows.push([
      'ceiling: bare ioredis, pipelined',
      `${fmt(r.ceiling.eventsPerSec)} ev/s`,
      '',
      '',
      fmt(r.ceiling.redis.sentTotal, 1),
      '',
      cpu(r.ceiling.cpuPerEvent),
      `batches of ${r.ceiling.batch}, ${r.ceiling.loops} in flight`,
    ]);
  for (const [name, result] of [['Redis Streams', r.pipeline] as const, ...Object.entries(r.otherBrokers)]) {
    if (failed(result) || 'skipped' in result) missing(`pipeline: ${name}`, result);
    else
      rows.push([
        `pipeline: ${name} → prepared`,
        `${fmt(result.eventsPerSec)} ev/s`,
        '',
        '',
        fmt(result.redis.sentTotal, 1),
        fmt(result.roundTripsPerEvent, 2),
        cpu(result.cpuPerEvent),
        `concurrency ${result.concurrency}, ${fmt(result.verified)}/${fmt(result.events)} verified`,
      ]);
  }
  if (failed(r.peer)) missing('peer', r.peer);
  else
    rows.push([
      `peer: BullMQ ${r.peer.bullmq} jobs`,
      `${fmt(r.peer.jobsPerSec)} jobs/s`,
      '',
      '',
      fmt(r.peer.redis.sentTotal, 1),
      fmt(r.peer.roundTripsPerEvent, 2),
      cpu(r.peer.cpuPerEvent),
      `concurrency ${r.peer.concurrency}, ${fmt(r.peer.verified)}/${fmt(r.peer.events)} verified`,
    ]);
  if (failed(r.intake)) missing('intake', r.intake);
  else
    for (const [label, run] of [
      ['intake: POST /v1/behaviors', r.intake.single],
      [`intake: batch of ${fmt(r.intake.batch.batchSize)}`, r.intake.batch],
    ] as const) {
      rows.push([
        label,
        `${fmt(run.behaviorsPerSec)} beh/s`,
        `${fmt(run.p50Ms, 2)} ms`,
        `${fmt(run.p99Ms, 2)} ms`,
        fmt(run.redis.sentTotal, 1),
        fmt(run.roundTripsPerBehavior, 3),
        cpu(run.cpuPerBehavior),
        `${fmt(run.behaviors)} behaviors, ${fmt(run.requestsPerSec)} req/s${run.non2xx > 0 ? `, ${run.non2xx} non-2xx` : ''}`,
      ]);
    }
  for (const [name, result] of [
    ['redis+pg', r.issuance],
    ['embedded', r.embedded],
  ] as const) {
    if (failed(result)) {
      missing(`issuance ${name}`, result);
      continue;
    }
    const runs = [
      ['first, 64 conns', result.first],
      ['existing, 64 conns', result.existing],
      [`first @ ${fmt(TARGETS.issuanceRate)} rps`, result.firstAtRate],
      [`existing @ ${fmt(TARGETS.issuanceRate)} rps`, result.existingAtRate],
    ] as const;
    for (const [label, run] of runs) {
      const notes = [
        'saturated' in run && run.saturated ? 'SATURATED: below the rate' : '',
        run.non2xx + run.errors > 0 ? `${run.non2xx} non-2xx, ${run.errors} errors` : '',
        Object.entries(run.outcomes)
          .map(([k, v]) => `${fmt(v)} ${k}`)
          .join(', '),
      ].filter(Boolean);
      rows.push([
        `issuance ${name}: ${label}`,
        `${fmt(run.reqPerSec)} req/s`,
        `${fmt(run.p50Ms, 2)} ms`,
        `${fmt(run.p99Ms, 2)} ms`,
        label.startsWith('first, ') && result.redis ? fmt(result.redis.sentTotal, 1) : '',
        '',
        cpu(run.cpuPerRequest),
        notes.join('; '),
      ]);
    }
  }
  return formatTable(
    ['measurement', 'throughput', 'p50', 'p99', 'redis cmds/event', 'round trips/event', 'cpu µs/event redis/bench/server', 'notes'],
    rows,
    [1, 2, 3, 4, 5],
  );
}

/**
 * One hot pool: the ledger alone (pgbench on the issue function, single slot and sharded) and HTTP
 * first issuances through one serve process at 16 / 64 / 256 connections, each as a share of the
 * sharded ledger's best. Load averages beside every figure: the machine may be shared.
 */
function hotPoolTable(ledger: LedgerCeilingResult | { skipped: string } | Failed, issuance: IssuanceBackendResult | Failed): string {
  const rows: string[][] = [];
  const ceilingTps = failed(ledger) || 'skipped' in ledger ? undefined : ledger.shardedBestTps;
  if (failed(ledger)) rows.push(['ledger ceiling', `failed: ${firstLine(ledger.error).slice(0, 70)}`, '', '', '', '']);
  else if ('skipped' in ledger) rows.push(['ledger ceiling', `skipped: ${ledger.skipped}`, '', '', '', '']);
  else {
    for (const run of ledger.runs) {
      rows.push([
        `ledger: ${run.shards === 1 ? 'single slot' : `${run.shards} slots`}, ${run.clients} clients`,
        `${fmt(run.tps)} tps`,
        `${fmt(run.latencyMs, 2)} ms avg`,
        '',
        '',
        fmt(run.load, 2),
      ]);
    }
  }
  if (failed(issuance)) rows.push(['http sweep', `failed: ${firstLine(issuance.error).slice(0, 70)}`, '', '', '', '']);
  else {
    for (const level of issuance.sweep ?? []) {
      rows.push([
        `http first issuance, ${level.connections} conns`,
        `${fmt(level.reqPerSec)} req/s`,
        `${fmt(level.p50Ms, 2)} ms`,
        `${fmt(level.p99Ms, 2)} ms`,
        ceilingTps ? `${fmt((100 * level.reqPerSec) / ceilingTps)} %` : '',
        fmt(level.load, 2),
      ]);
    }
  }
  return formatTable(['hot pool', 'throughput', 'p50', 'p99', 'share of ledger ceiling', 'load 1m'], rows, [1, 2, 3, 4, 5]);
}

function targetsTable(targets: readonly { name: string; value: number | null; target: string; met: boolean | null }[]): string {
  return formatTable(
    ['target (reported, not asserted)', 'measured', 'target', 'verdict'],
    targets.map((t) => [
      t.name,
      t.value === null ? '—' : fmt(t.value, t.value < 100 ? 2 : 0),
      t.target,
      t.met === null ? 'n/a' : t.met ? 'met' : 'SHORT',
    ]),
    [1],
  );
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
