import { z } from 'zod';
import { type ErrorDetail, InvalidConfigError } from '../domain/errors.js';
import { parseRedisNodes, type RedisNode } from '../infra/redis/redis-nodes.js';

/**
 * Every environment variable strategy-center reads, parsed once, here, into typed settings (units
 * in the names). Nothing else reads `process.env`: `serve`, `worker`, `changes`, `migrate`, the
 * dead-letter commands and embedders all go through `readSettings`. An empty value counts as unset
 * (as `FOO= strategy-center serve` means); a bad value is an InvalidConfigError naming the variable.
 */
const unsetWhenEmpty = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(unsetWhenEmpty, schema.optional());
/** Unset: `fallback` as if it had been written, so it is parsed like any value. */
const withDefault = <T extends z.ZodType>(schema: T, fallback: string) =>
  z.preprocess((value) => unsetWhenEmpty(value) ?? fallback, schema);

const urlWithScheme = (schemes: readonly string[]) =>
  z.string().refine((text) => schemes.some((scheme) => text.toLowerCase().startsWith(`${scheme}://`)), {
    error: `expected a ${schemes.map((scheme) => `${scheme}://`).join(' or ')} URL`,
  });
const milliseconds = z.coerce
  .number({ error: 'expected a whole number of milliseconds' })
  .int({ error: 'expected a whole number of milliseconds' })
  .positive({ error: 'expected a whole number of milliseconds > 0' });
const wholeNumber = (min: number, max: number) =>
  z.coerce
    .number({ error: `expected a whole number from ${min} to ${max}` })
    .int({ error: `expected a whole number from ${min} to ${max}` })
    .min(min, { error: `expected a whole number from ${min} to ${max}` })
    .max(max, { error: `expected a whole number from ${min} to ${max}` });
const flag = z.enum(['true', 'false', '1', '0'], { error: 'expected true or false' }).transform((text) => text === 'true' || text === '1');

export const settingsSchema = z.object({
  /** Instance data, locks, behavior counters, traces, event fingerprints in Redis; unset: in memory. */
  REDIS_URL: optional(urlWithScheme(['redis', 'rediss'])),
  /** A Redis Cluster instead of REDIS_URL: some of its nodes as `host:port,host:port,...`; the client finds the rest. */
  REDIS_CLUSTER_NODES: optional(
    z.string().transform((text, context) => {
      try {
        return parseRedisNodes(text);
      } catch (error) {
        context.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  ),
  /** Streams the Redis Streams broker spreads behaviors over, by user; default 1 on one Redis, 8 on a cluster. */
  BROKER_STREAM_SHARDS: optional(wholeNumber(1, 256)),
  /** Activities, templates, the rights ledger, dead letters, the change log in PostgreSQL; unset: in memory. */
  DATABASE_URL: optional(urlWithScheme(['postgres', 'postgresql'])),
  /** The change feed's LISTEN connection when DATABASE_URL goes through a transaction pooler (PgBouncer); default DATABASE_URL. */
  DATABASE_LISTEN_URL: optional(urlWithScheme(['postgres', 'postgresql'])),
  /** Redis Streams, RabbitMQ or NATS JetStream by scheme; unset: an in-process queue. */
  BROKER_URL: optional(urlWithScheme(['redis', 'rediss', 'amqp', 'amqps', 'nats'])),
  /** Bearer token of every admin act (operators, Prometheus); unset with auth off: the admin routes are open. */
  ADMIN_TOKEN: optional(z.string()),
  /** Bearer token of admin reads only (dashboards, Prometheus). */
  ADMIN_READ_TOKEN: optional(z.string()),
  /** `off` runs the API open on purpose; `on` forces signed requests; unset: the config file's \`auth\`. */
  AUTH: optional(z.enum(['on', 'off'], { error: 'expected on or off' })),
  /** Names this deployment in shared services: Redis keys `NAMESPACE:…`, the broker's stream, queue and subject. */
  NAMESPACE: withDefault(z.string().regex(/^\S+$/, { error: 'expected a name without spaces' }), 'sc'),
  /** PostgreSQL schema of this deployment (the adapter's own default when unset). */
  DATABASE_SCHEMA: optional(
    z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, { error: 'expected a lower-case identifier ([a-z_][a-z0-9_]*, at most 63)' }),
  ),
  /** Apply pending PostgreSQL migrations at start (else run `strategy-center migrate`). */
  MIGRATE: withDefault(flag, 'false'),
  /** Chaos testing only: faults to inject (see testing/fault-injection.ts). Unset: none, as in production. */
  STRATEGY_CENTER_FAULTS: optional(z.string()),
  /** How long a delivery may stay unsettled before the broker hands it to another worker. */
  BROKER_ACK_WAIT_MS: optional(milliseconds),
  /** How long a publish waits for an unreachable broker before `POST /v1/behaviors` answers 503. */
  BROKER_PUBLISH_TIMEOUT_MS: optional(milliseconds),
  /** PostgreSQL connections of this process (the adapter's default, 10, when unset). */
  DATABASE_POOL_SIZE: optional(wholeNumber(1, 1000)),
  /** Issuances of this process in the rights ledger at once; more wait their turn (see bench/README.md). */
  LEDGER_CONCURRENCY: optional(wholeNumber(1, 1024)),
  /** How long a pool's sold-out mark lives unless stock is added first. */
  SOLD_OUT_TTL_MS: optional(wholeNumber(1, 3_600_000)),
  /** Where `serve` listens (the `--port` and `--host` options win). */
  PORT: withDefault(
    z.coerce
      .number({ error: 'expected a port number 0-65535' })
      .int({ error: 'expected a port number 0-65535' })
      .min(0, { error: 'expected a port number 0-65535' })
      .max(65_535, { error: 'expected a port number 0-65535' }),
    '3000',
  ),
  HOST: withDefault(z.string(), '127.0.0.1'),
  /** OpenTelemetry: export spans over OTLP/HTTP to this collector (`/v1/traces` is appended); unset: tracing off. */
  OTEL_EXPORTER_OTLP_ENDPOINT: optional(urlWithScheme(['http', 'https'])),
  /** The `service.name` of this process's spans. */
  OTEL_SERVICE_NAME: withDefault(z.string().regex(/^\S+$/, { error: 'expected a name without spaces' }), 'strategy-center'),
  /** Share of new traces kept (0-1); a trace continued from a `traceparent` follows its parent's choice. */
  OTEL_TRACES_SAMPLER_ARG: withDefault(
    z.coerce
      .number({ error: 'expected a ratio from 0 to 1' })
      .min(0, { error: 'expected a ratio from 0 to 1' })
      .max(1, { error: 'expected a ratio from 0 to 1' }),
    '1',
  ),
  LOG_LEVEL: withDefault(
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'expected one of fatal, error, warn, info, debug, trace, silent',
    }),
    'info',
  ),
});

/** The environment as it comes: names to strings. */
export type Environment = Readonly<Partial<Record<keyof z.input<typeof settingsSchema>, string>> & Record<string, string | undefined>>;

/** The settings in internal units. */
export interface Settings {
  readonly redisUrl?: string;
  /** Set instead of `redisUrl`: state, and a `redis://` broker, run on this cluster. */
  readonly redisClusterNodes?: readonly RedisNode[];
  readonly brokerStreamShards?: number;
  readonly databaseUrl?: string;
  readonly brokerUrl?: string;
  readonly adminToken?: string;
  readonly adminReadToken?: string;
  readonly auth?: 'on' | 'off';
  /** The value of an environment variable the config names (a client's `secretEnv`). */
  readonly secretFromEnvironment: (name: string) => string | undefined;
  readonly namespace: string;
  readonly databaseSchema?: string;
  readonly databaseListenUrl?: string;
  readonly migrate: boolean;
  readonly faults?: string;
  readonly brokerAckWaitMs?: number;
  readonly brokerPublishTimeoutMs?: number;
  readonly databasePoolSize?: number;
  readonly ledgerConcurrency?: number;
  readonly soldOutTtlMs?: number;
  readonly port: number;
  readonly host: string;
  readonly logLevel: string;
  /** OpenTelemetry export; undefined when OTEL_EXPORTER_OTLP_ENDPOINT is unset (tracing off). */
  readonly tracing?: TracingSettings;
}

export interface TracingSettings {
  /** The collector's OTLP/HTTP traces URL (`…/v1/traces`). */
  readonly tracesUrl: string;
  readonly serviceName: string;
  readonly sampleRatio: number;
}

/** Parses the environment (by default this process's); every bad variable is reported at once. */
export function readSettings(env: Readonly<Record<string, string | undefined>> = process.env): Settings {
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) {
    const details: ErrorDetail[] = parsed.error.issues.map((issue) => {
      const variable = String(issue.path[0] ?? '(environment)');
      return { path: variable, message: `${issue.message}, got '${redact(variable, env[variable])}'` };
    });
    throw new InvalidConfigError(details);
  }
  const s = parsed.data;
  if (s.REDIS_URL !== undefined && s.REDIS_CLUSTER_NODES !== undefined) {
    throw new InvalidConfigError([
      { path: 'REDIS_CLUSTER_NODES', message: 'set either REDIS_URL (one Redis) or REDIS_CLUSTER_NODES (a Redis Cluster), not both' },
    ]);
  }
  return {
    ...(s.REDIS_URL === undefined ? {} : { redisUrl: s.REDIS_URL }),
    ...(s.REDIS_CLUSTER_NODES === undefined ? {} : { redisClusterNodes: s.REDIS_CLUSTER_NODES }),
    ...(s.BROKER_STREAM_SHARDS === undefined ? {} : { brokerStreamShards: s.BROKER_STREAM_SHARDS }),
    ...(s.DATABASE_URL === undefined ? {} : { databaseUrl: s.DATABASE_URL }),
    ...(s.DATABASE_LISTEN_URL === undefined ? {} : { databaseListenUrl: s.DATABASE_LISTEN_URL }),
    ...(s.BROKER_URL === undefined ? {} : { brokerUrl: s.BROKER_URL }),
    ...(s.ADMIN_TOKEN === undefined ? {} : { adminToken: s.ADMIN_TOKEN }),
    ...(s.ADMIN_READ_TOKEN === undefined ? {} : { adminReadToken: s.ADMIN_READ_TOKEN }),
    ...(s.AUTH === undefined ? {} : { auth: s.AUTH }),
    secretFromEnvironment: (name) => unsetWhenEmpty(env[name]) as string | undefined,
    namespace: s.NAMESPACE,
    ...(s.DATABASE_SCHEMA === undefined ? {} : { databaseSchema: s.DATABASE_SCHEMA }),
    migrate: s.MIGRATE,
    ...(s.STRATEGY_CENTER_FAULTS === undefined ? {} : { faults: s.STRATEGY_CENTER_FAULTS }),
    ...(s.BROKER_ACK_WAIT_MS === undefined ? {} : { brokerAckWaitMs: s.BROKER_ACK_WAIT_MS }),
    ...(s.BROKER_PUBLISH_TIMEOUT_MS === undefined ? {} : { brokerPublishTimeoutMs: s.BROKER_PUBLISH_TIMEOUT_MS }),
    ...(s.DATABASE_POOL_SIZE === undefined ? {} : { databasePoolSize: s.DATABASE_POOL_SIZE }),
    ...(s.LEDGER_CONCURRENCY === undefined ? {} : { ledgerConcurrency: s.LEDGER_CONCURRENCY }),
    ...(s.SOLD_OUT_TTL_MS === undefined ? {} : { soldOutTtlMs: s.SOLD_OUT_TTL_MS }),
    port: s.PORT,
    host: s.HOST,
    logLevel: s.LOG_LEVEL,
    ...(s.OTEL_EXPORTER_OTLP_ENDPOINT === undefined
      ? {}
      : {
          tracing: {
            tracesUrl: `${s.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`,
            serviceName: s.OTEL_SERVICE_NAME,
            sampleRatio: s.OTEL_TRACES_SAMPLER_ARG,
          },
        }),
  };
}

/** Secrets and passwords in URLs never reach an error message. */
function redact(variable: string, value: string | undefined): string {
  if (value === undefined) return '';
  if (variable === 'ADMIN_TOKEN' || variable === 'ADMIN_READ_TOKEN') return '***';
  return value.replace(/\/\/([^:@/]*):([^@/]*)@/g, '//$1:***@');
}
