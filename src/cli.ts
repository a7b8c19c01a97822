#!/usr/bin/env node
import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { pino } from 'pino';
import { runDemo } from './access/cli/demo.js';
import { buildHttpServer } from './access/http/http-server.js';
import { type AppEnvironment, createApp } from './app.js';
import { loadConfig } from './config/load-config.js';
import { StrategyCenterError } from './domain/errors.js';
import { builtInProcessors } from './processors/built-in-processors.js';

const DEFAULT_CONFIG = 'strategy-center.yaml';

function port(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) throw new InvalidArgumentError('expected a port number 0-65535');
  return value;
}

function environment(): AppEnvironment {
  const { REDIS_URL, DATABASE_URL, BROKER_URL, ADMIN_TOKEN, KEY_PREFIX, DATABASE_SCHEMA } = process.env;
  return { REDIS_URL, DATABASE_URL, BROKER_URL, ADMIN_TOKEN, KEY_PREFIX, DATABASE_SCHEMA };
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
  .option('-p, --port <n>', 'port to listen on', port, Number(process.env.PORT ?? 3000))
  .option('--host <host>', 'address to bind', process.env.HOST ?? '127.0.0.1')
  .option('--no-consumers', 'serve the API only; run `strategy-center worker` for the consumers')
  .action(async (options: { config: string; port: number; host: string; consumers: boolean }) => {
    const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' });
    const app = await createApp({ configPath: options.config, env: environment(), logger }).catch(fail);
    if (options.consumers) await app.startConsuming();
    const http = buildHttpServer(app, { logger });
    const address = await http.listen({ port: options.port, host: options.host }).catch(async (error: unknown) => {
      await app.close();
      fail(error);
    });
    const activities = await app.activities.list();
    const channel = app.templates
      .list()
      .flatMap((t) => t.channels)
      .find((c) => !app.config.behaviorRules.some((r) => r.key === c));
    const rule = app.config.behaviorRules[0];
    console.log(
      [
        '',
        `strategy-center is listening on ${address}`,
        `  config:   ${app.config.path} (${app.templates.list().length} template(s), ${activities.length} activity(ies), ${app.config.behaviorRules.length} behavior rule(s))`,
        `  backends: state=${app.backends.state} records=${app.backends.records} broker=${app.backends.broker}${options.consumers ? ' (consuming)' : ''}`,
        '',
        'Try the sample play:',
        ...(rule
          ? [
              `  for i in 1 2 3; do curl -s -XPOST ${address}/v1/behaviors -H 'content-type: application/json' \\`,
              `    -d "{\\"userId\\":\\"u1\\",\\"type\\":\\"${rule.type}\\",\\"itemId\\":\\"sku-00$i\\"}"; echo; done`,
            ]
          : []),
        ...(channel
          ? [`  curl -s -XPOST ${address}/v1/channels/${channel}/events -H 'content-type: application/json' -d '{"userId":"u1"}'`]
          : []),
        `  curl -s ${address}/v1/activities/${activities[0]?.id ?? 'ACTIVITY'}/users/u1`,
        `Health: ${address}/healthz   Metrics: ${address}/metrics   Stop: Ctrl-C`,
        '',
      ].join('\n'),
    );
    const stop = async (signal: string) => {
      logger.info({ signal }, 'shutting down: no new requests or messages, finishing those in flight');
      await http.close();
      await app.close();
      process.exit(0);
    };
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
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
  .command('validate')
  .description('check a configuration file and print every problem with the path of its field')
  .argument('<file>', 'configuration file (YAML or JSON)')
  .action(async (file: string) => {
    const processorNames = builtInProcessors(placeholderDeps()).map((p) => p.name);
    const config = await loadConfig(file, { processorNames, codeTemplates: [] }).catch(fail);
    console.log(
      `${resolve(file)} is valid: ${config.templates.length} template(s), ${config.activities.length} activity(ies), ${config.behaviorRules.length} behavior rule(s)`,
    );
  });

/** Processor names only: validation needs no working ports. */
function placeholderDeps(): Parameters<typeof builtInProcessors>[0] {
  const unused = new Proxy({}, { get: () => () => Promise.reject(new Error('not wired')) });
  return { activities: unused, instances: unused, ledger: unused, catalog: unused, recall: unused } as Parameters<
    typeof builtInProcessors
  >[0];
}

await program.parseAsync(process.argv);
