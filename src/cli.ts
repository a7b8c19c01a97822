#!/usr/bin/env node
import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { pino } from 'pino';
import { DEFAULT_CONSUMER_CONCURRENCY } from './access/behavior-consumer.js';
import { formatChangeTable } from './access/cli/change-table.js';
import { runDemo } from './access/cli/demo.js';
import { formatTable } from './access/cli/format-table.js';
import { formatReplayReport, progressBar, replay } from './access/cli/replay.js';
import { serveBanner } from './access/cli/serve-banner.js';
import { formatSignedRequest } from './access/cli/sign.js';
import { stopOnSignals } from './access/cli/stop-on-signals.js';
import { validateConfigFile } from './access/cli/validate-config-file.js';
import { buildHttpServer } from './access/http/http-server.js';
import { assertSafeToServe } from './app/auth-mode.js';
import { resolveClients } from './app/client-credentials.js';
import { createApp } from './app/create-app.js';
import { readSettings, type Settings } from './app/settings.js';
import { startTracing, type Tracing } from './app/tracing.js';
import { InvalidInputError, StrategyCenterError } from './domain/errors.js';
import type { ConfigChange } from './domain/ports/change-log.js';
import { formatTemplateRef, parseTemplateRef, type TemplateRef } from './domain/template-ref.js';
import { createPostgresAdapters } from './infra/postgres/postgres-adapters.js';
import { traceLogFields } from './service/tracing.js';

const DEFAULT_CONFIG = 'strategy-center.yaml';

function port(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) throw new InvalidArgumentError('expected a port number 0-65535');
  return value;
}

/** Every environment variable, parsed once (app/settings.ts); a bad one stops the command, naming it. */
let parsedSettings: Settings | undefined;
function settings(): Settings {
  if (!parsedSettings) {
    try {
      parsedSettings = readSettings(process.env);
    } catch (error) {
      fail(error);
    }
  }
  return parsedSettings;
}

/** OpenTelemetry for `serve` and `worker` when OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise nothing is loaded. */
function startProcessTracing(): Promise<Tracing> {
  const tracingSettings = settings().tracing;
  return startTracing(tracingSettings ? { settings: tracingSettings } : {}).catch(fail);
}

/** Prints a StrategyCenterError as its details, one per line, and exits 1; anything else is a crash. */
function fail(error: unknown): never {
  if (error instanceof StrategyCenterError) {
    console.error(`error: ${error.details.length > 0 ? `${error.code}` : error.message}`);
    for (const detail of error.details) console.error(`  ${detail.path}: ${detail.message}`);
  } else {
    console.error(error);
  }
  process.exit(1);
}

const program = new Command()
  .name('strategy-center')
  .description('Event-driven strategy center for full-chain marketing')
  .showHelpAfterError();

program
  .command('serve')
  .description('run the HTTP API and the behavior-event consumers')
  .option('-c, --config <file>', 'configuration file (YAML or JSON)', DEFAULT_CONFIG)
  .option('-p, --port <n>', 'port to listen on (default: PORT, else 3000)', port)
  .option('--host <host>', 'address to bind (default: HOST, else 127.0.0.1)')
  .option('--no-consumers', 'serve the API only; run `strategy-center worker` for the consumers')
  .option('--no-watch', 'do not watch the config file (changes then need a restart or the admin API)')
  .action(async (options: { config: string; port?: number; host?: string; consumers: boolean; watch: boolean }) => {
    const { port = settings().port, host = settings().host } = options;
    const logger = pino({ level: settings().logLevel, mixin: traceLogFields });
    const tracing = await startProcessTracing();
    const app = await createApp({ configPath: options.config, settings: settings(), logger, watchConfig: options.watch }).catch(fail);
    try {
      assertSafeToServe(app.authenticator.mode, settings(), host);
    } catch (error) {
      await app.close();
      fail(error);
    }
    if (options.consumers) await app.startConsuming();
    const http = buildHttpServer(app, { logger });
    const address = await http.listen({ port, host }).catch(async (error: unknown) => {
      await app.close();
      fail(error);
    });
    console.log(await serveBanner(app, address, options.consumers));
    stopOnSignals(logger, async () => {
      await http.close();
      await app.close();
      await tracing.shutdown();
    });
  });

program
  .command('worker')
  .description('consume behavior events from the broker and run the preparation chains (no HTTP API)')
  .option('-c, --config <file>', 'configuration file (YAML or JSON)', DEFAULT_CONFIG)
  .option('--concurrency <n>', `messages processed at once, read in batches of half (default ${DEFAULT_CONSUMER_CONCURRENCY})`, positive)
  .option('--no-watch', 'do not watch the config file (changes then need a restart or the admin API)')
  .action(async (options: { config: string; concurrency?: number; watch: boolean }) => {
    const logger = pino({ level: settings().logLevel, mixin: traceLogFields });
    const tracing = await startProcessTracing();
    const app = await createApp({ configPath: options.config, settings: settings(), logger, watchConfig: options.watch }).catch(fail);
    if (app.backends.broker === 'in-process') {
      logger.warn('BROKER_URL is not set: this worker consumes only its own in-process queue; set BROKER_URL to share work');
    }
    await app.startConsuming(options.concurrency === undefined ? {} : { concurrency: options.concurrency });
    logger.info({ backends: app.backends, concurrency: options.concurrency ?? 'default' }, 'worker consuming behavior events');
    stopOnSignals(logger, async () => {
      await app.close();
      await tracing.shutdown();
    });
  });

program
  .command('dead-letters')
  .description('list dead letters, or replay one by id')
  .argument('[action]', 'list | replay', 'list')
  .argument('[id]', 'dead letter id (for replay)')
  .option('-c, --config <file>', 'configuration file (YAML or JSON)', DEFAULT_CONFIG)
  .option('--all', 'include replayed ones')
  .option('--limit <n>', 'how many, newest first', positive, 50)
  .action(async (action: string, id: string | undefined, options: { config: string; all?: boolean; limit: number }) => {
    if (action !== 'list' && action !== 'replay') fail(new InvalidInputError(`unknown action '${action}': expected list or replay`));
    if (action === 'replay' && !id) fail(new InvalidInputError('replay needs the id of a dead letter (see `dead-letters list`)'));
    const app = await createApp({ configPath: options.config, settings: settings() }).catch(fail);
    try {
      if (action === 'replay' && id) {
        const replayed = await app.replayDeadLetter(id);
        console.log(`replayed ${replayed.id}: its message is back on the ${app.backends.broker} broker`);
      } else {
        const letters = await app.deadLetters.list({ limit: options.limit, includeReplayed: options.all ?? false });
        if (letters.length === 0) console.log(`no dead letters (${app.backends.records} store)`);
        else {
          console.log(
            formatTable(
              ['id', 'created', 'attempts', 'source', 'reason'],
              letters.map((l) => [l.id, l.createdAt, l.attempts, l.source, l.reason]),
            ),
          );
          console.log('\nreplay one with: strategy-center dead-letters replay <id>');
        }
      }
    } catch (error) {
      await app.close();
      fail(error);
    }
    await app.close();
  });

program
  .command('changes')
  .description('list the changes of activities and templates (who, when, before/after), newest first')
  .option('--limit <n>', 'how many', positive, 50)
  .option('--kind <kind>', 'activity or template')
  .option('--id <id>', 'one activity id or template id@version')
  .option('--server <url>', 'ask a running server (GET /v1/changes, bearer ADMIN_TOKEN) instead of PostgreSQL')
  .option('--json', 'print the changes as JSON, with before and after whole')
  .action(async (options: { limit: number; kind?: string; id?: string; server?: string; json?: boolean }) => {
    if (options.kind !== undefined && options.kind !== 'activity' && options.kind !== 'template') {
      fail(new InvalidInputError(`unknown kind '${options.kind}': expected activity or template`));
    }
    const query = {
      limit: options.limit,
      ...(options.kind ? { kind: options.kind as 'activity' | 'template' | 'client' } : {}),
      ...(options.id ? { id: options.id } : {}),
    };
    let changes: readonly ConfigChange[];
    if (options.server) {
      const url = new URL('/v1/changes', options.server);
      for (const [key, value] of Object.entries(query)) url.searchParams.set(key, String(value));
      const token = settings().adminToken;
      const response = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {}).catch(fail);
      const body = (await response.json().catch(() => ({}))) as { changes?: ConfigChange[]; error?: { message?: string } };
      if (!response.ok || !body.changes)
        fail(new InvalidInputError(`${url} answered ${response.status}: ${body.error?.message ?? 'no change list'}`));
      changes = body.changes;
    } else {
      const url = settings().databaseUrl;
      if (!url) {
        fail(
          new InvalidInputError(
            'DATABASE_URL is not set: without PostgreSQL the change log lives in the serving process; ask it with --server http://HOST:PORT',
          ),
        );
      }
      const postgres = await openPostgres(url);
      try {
        changes = await postgres.changeLog.list(query);
      } catch (error) {
        await postgres.close();
        fail(error);
      }
      await postgres.close();
    }
    if (options.json) console.log(JSON.stringify(changes, null, 2));
    else if (changes.length === 0) console.log('no changes recorded');
    else console.log(formatChangeTable(changes));
  });

program
  .command('demo')
  .description('a scripted run of the sample play on the embedded defaults, printing outcomes and a trace')
  .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG)
  .action(async (options: { config: string }) => {
    const app = await createApp({ configPath: options.config, env: {} }).catch(fail);
    await app.startConsuming();
    const http = buildHttpServer(app);
    await runDemo(app, http, (line) => console.log(line));
    await http.close();
    await app.close();
  });

program
  .command('migrate')
  .description('apply pending PostgreSQL migrations (DATABASE_URL, DATABASE_SCHEMA)')
  .action(async () => {
    const url = settings().databaseUrl;
    if (!url) fail(new InvalidInputError('DATABASE_URL is not set: migrations apply to PostgreSQL only'));
    const postgres = await openPostgres(url);
    try {
      const applied = await postgres.migrate();
      console.log(
        applied.length > 0
          ? `applied ${applied.length} migration(s) to schema '${postgres.schema}': ${applied.join(', ')}`
          : `schema '${postgres.schema}' is up to date`,
      );
    } catch (error) {
      await postgres.close();
      fail(error);
    }
    await postgres.close();
  });

program
  .command('replay')
  .description('run recorded events through two template versions in isolated dry runs and compare the outcomes')
  .requiredOption('--events <file>', 'recorded events, one JSON object per line (GET /v1/events/export writes them)')
  .requiredOption('--template <ref>', 'the candidate version, e.g. item-promotion@3.0', templateRefArgument)
  .requiredOption('--baseline <ref>', 'the version to compare with, e.g. item-promotion@2.0', templateRefArgument)
  .option('-c, --config <file>', 'configuration file with both versions', DEFAULT_CONFIG)
  .option('--json', 'print the full report as JSON')
  .action(async (options: { events: string; template: TemplateRef; baseline: TemplateRef; config: string; json?: boolean }) => {
    const [candidateApp, baselineApp] = await Promise.all([
      createApp({ configPath: options.config, env: {} }),
      createApp({ configPath: options.config, env: {} }),
    ]).catch(fail);
    try {
      const report = await replay({
        file: options.events,
        candidate: { app: candidateApp, template: options.template },
        baseline: { app: baselineApp, template: options.baseline },
        ...(options.json ? {} : { progress: progressBar() }),
      });
      const [baseline, candidate] = [formatTemplateRef(options.baseline), formatTemplateRef(options.template)];
      console.log(options.json ? JSON.stringify(report, null, 2) : formatReplayReport(report, baseline, candidate));
    } catch (error) {
      fail(error);
    } finally {
      await Promise.all([candidateApp.close(), baselineApp.close()]);
    }
  });

program
  .command('validate')
  .description('check a configuration file and print every problem with the path of its field')
  .argument('<file>', 'configuration file (YAML or JSON)')
  .action(async (file: string) => {
    const config = await validateConfigFile(file).catch(fail);
    console.log(
      `${resolve(file)} is valid: ${config.templates.length} template(s), ${config.activities.length} activity(ies), ${config.behaviorRules.length} behavior rule(s)`,
    );
  });

program
  .command('sign')
  .description("sign a request as a client: prints the X-SC-* headers and a curl line (the secret comes from the client's secretEnv)")
  .argument('<method>', 'HTTP method, e.g. POST')
  .argument('<path>', 'path with query, e.g. /v1/channels/home_banner/events')
  .requiredOption('--client <id>', 'client id as declared under clients: in the config')
  .option('-c, --config <file>', 'configuration file declaring the client', DEFAULT_CONFIG)
  .option('--secret-env <name>', "environment variable holding the secret (default: the client's secretEnv)")
  .option('-d, --data <json>', 'request body, exactly as it will be sent')
  .option('--url <url>', 'base URL of the API for the curl line', 'http://127.0.0.1:3000')
  .action(
    async (method: string, path: string, options: { client: string; config: string; secretEnv?: string; data?: string; url: string }) => {
      if (!path.startsWith('/')) fail(new InvalidInputError('the path must start with /', [{ path: 'path', message: `got '${path}'` }]));
      let secretEnv = options.secretEnv;
      if (secretEnv === undefined) {
        const config = await validateConfigFile(options.config).catch(fail);
        const declared = config.clients.find((client) => client.id === options.client);
        if (!declared) {
          const known = config.clients.map((client) => client.id).join(', ') || 'none';
          fail(
            new InvalidInputError(`no client '${options.client}' in ${config.path}`, [
              { path: '--client', message: `declared clients: ${known}` },
            ]),
          );
        }
        secretEnv = declared.secretEnv;
      }
      let secrets: readonly string[] = [];
      try {
        secrets = resolveClients([{ id: options.client, secretEnv, scopes: [] }], settings().secretFromEnvironment)[0]?.secrets ?? [];
      } catch (error) {
        fail(error);
      }
      console.log(
        formatSignedRequest({
          clientId: options.client,
          // During a rotation the new secret (the second) signs.
          secrets: [secrets[secrets.length - 1] as string],
          method,
          pathWithQuery: path,
          ...(options.data === undefined ? {} : { body: options.data }),
          baseUrl: options.url,
        }),
      );
    },
  );

/** The PostgreSQL adapters alone (no migration, no pending check): `changes` and `migrate` need nothing else. */
function openPostgres(url: string): Promise<Awaited<ReturnType<typeof createPostgresAdapters>>> {
  const schema = settings().databaseSchema;
  return createPostgresAdapters({ url, ...(schema === undefined ? {} : { schema }) }).catch(fail);
}

function templateRefArgument(text: string): TemplateRef {
  const ref = parseTemplateRef(text);
  if (!ref) throw new InvalidArgumentError('expected a template reference such as item-promotion@3.0');
  return ref;
}

function positive(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError('expected a whole number >= 1');
  return value;
}

await program.parseAsync(process.argv);
