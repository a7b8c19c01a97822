/**
 * The pipeline phases of `npm run bench` alone (and the BullMQ peer), at the full run's sizes:
 * quicker than the whole run when a change concerns the consumers only. See bench/README.md.
 *
 *   npx tsx bench/pipelines.ts                       # redis rabbitmq nats peer
 *   npx tsx bench/pipelines.ts nats                  # one of them
 *   BENCH_NATS_CONCURRENCY=16 npx tsx bench/pipelines.ts nats   # JetStream at another concurrency
 */
import { loadavg } from 'node:os';
import { benchPeer } from './phases/peer.js';
import { benchPipeline } from './phases/pipeline.js';
import { AMQP_URL, benchConfigFile, NATS_URL, REDIS_URL } from './support/services.js';

const PHASES = ['redis', 'rabbitmq', 'nats', 'peer'] as const;
type Phase = (typeof PHASES)[number];

const asked = process.argv.slice(2).filter((arg): arg is Phase => (PHASES as readonly string[]).includes(arg));
const natsConcurrency = Number(process.env.BENCH_NATS_CONCURRENCY ?? 256);
const configPath = benchConfigFile();
const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

for (const phase of asked.length > 0 ? asked : PHASES) {
  const before = load();
  const started = performance.now();
  const result =
    phase === 'peer'
      ? await benchPeer({ events: 12_000, warmupEvents: 1_000, concurrency: 32, publishers: 256 })
      : await benchPipeline({
          configPath,
          publishers: 256,
          ...(phase === 'redis'
            ? { events: 12_000, warmupEvents: 1_000, concurrency: 256, brokerUrl: REDIS_URL }
            : { events: 4_000, warmupEvents: 500, concurrency: phase === 'nats' ? natsConcurrency : 256 }),
          ...(phase === 'rabbitmq' ? { brokerUrl: AMQP_URL } : phase === 'nats' ? { brokerUrl: NATS_URL } : {}),
        });
  const rate = 'jobsPerSec' in result ? result.jobsPerSec : 'eventsPerSec' in result ? result.eventsPerSec : result.skipped;
  const extra = 'cpuPerEvent' in result ? ` cpu µs/event ${JSON.stringify(result.cpuPerEvent)} rt/event ${result.roundTripsPerEvent}` : '';
  console.log(
    `${phase}: ${rate} per s${extra} (${((performance.now() - started) / 1000).toFixed(1)} s; load before ${before}, after ${load()})`,
  );
}
