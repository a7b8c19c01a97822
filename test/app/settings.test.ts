import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app/create-app.js';
import { readSettings } from '../../src/app/settings.js';
import { InvalidConfigError } from '../../src/domain/errors.js';
import { SAMPLE_CONFIG } from '../support/sample-app.js';

function problems(env: Record<string, string>): string[] {
  try {
    readSettings(env);
  } catch (error) {
    if (error instanceof InvalidConfigError) return error.details.map((d) => `${d.path}: ${d.message}`);
    throw error;
  }
  return [];
}

describe('settings: every environment variable parsed once', () => {
  it('defaults to the embedded, in-memory deployment; empty values count as unset', () => {
    const { secretFromEnvironment, ...defaults } = readSettings({});
    expect(defaults).toEqual({ namespace: 'sc', migrate: false, port: 3000, host: '127.0.0.1', logLevel: 'info' });
    expect(secretFromEnvironment('WEB_BFF_SECRET')).toBeUndefined();
    expect(readSettings({ WEB_BFF_SECRET: 'a-secret-of-some-length' }).secretFromEnvironment('WEB_BFF_SECRET')).toBe(
      'a-secret-of-some-length',
    );
    expect(readSettings({ WEB_BFF_SECRET: ' ' }).secretFromEnvironment('WEB_BFF_SECRET')).toBeUndefined();
    expect(readSettings({ REDIS_URL: '', DATABASE_URL: ' ', NAMESPACE: '' })).toMatchObject({ namespace: 'sc' });
    expect(readSettings({ REDIS_URL: '' }).redisUrl).toBeUndefined();
  });

  it('OpenTelemetry: off unless OTEL_EXPORTER_OTLP_ENDPOINT is set; the service name and sample ratio are checked', () => {
    expect(readSettings({ OTEL_SERVICE_NAME: 'api', OTEL_TRACES_SAMPLER_ARG: '0.1' }).tracing).toBeUndefined();
    expect(readSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing).toEqual({
      tracesUrl: 'http://collector:4318/v1/traces',
      serviceName: 'strategy-center',
      sampleRatio: 1,
    });
    expect(
      readSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example', OTEL_SERVICE_NAME: 'sc-api', OTEL_TRACES_SAMPLER_ARG: '0.1' })
        .tracing,
    ).toEqual({ tracesUrl: 'https://otel.example/v1/traces', serviceName: 'sc-api', sampleRatio: 0.1 });
    expect(problems({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318', OTEL_TRACES_SAMPLER_ARG: '10' })).toEqual([
      "OTEL_EXPORTER_OTLP_ENDPOINT: expected a http:// or https:// URL, got 'collector:4318'",
      "OTEL_TRACES_SAMPLER_ARG: expected a ratio from 0 to 1, got '10'",
    ]);
  });

  it('parses into typed settings with units in the names', () => {
    expect(
      readSettings({
        REDIS_URL: 'redis://127.0.0.1:6379',
        DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
        BROKER_URL: 'nats://127.0.0.1:4222',
        MIGRATE: '1',
        BROKER_ACK_WAIT_MS: '5000',
        PORT: '4000',
        LOG_LEVEL: 'warn',
        ADMIN_TOKEN: 'secret',
      }),
    ).toMatchObject({ migrate: true, brokerAckWaitMs: 5000, port: 4000, logLevel: 'warn', adminToken: 'secret' });
  });

  it('names each bad variable, all at once, without echoing secrets', () => {
    expect(
      problems({
        REDIS_URL: 'localhost:6379',
        BROKER_URL: 'kafka://x',
        BROKER_ACK_WAIT_MS: 'soon',
        MIGRATE: 'yes',
        PORT: '70000',
        DATABASE_URL: 'mysql://root:hunter2@db/x',
      }),
    ).toEqual([
      "REDIS_URL: expected a redis:// or rediss:// URL, got 'localhost:6379'",
      "DATABASE_URL: expected a postgres:// or postgresql:// URL, got 'mysql://root:***@db/x'",
      "BROKER_URL: expected a redis:// or rediss:// or amqp:// or amqps:// or nats:// URL, got 'kafka://x'",
      "MIGRATE: expected true or false, got 'yes'",
      "BROKER_ACK_WAIT_MS: expected a whole number of milliseconds, got 'soon'",
      "PORT: expected a port number 0-65535, got '70000'",
    ]);
  });

  it('createApp refuses a bad variable before opening anything', async () => {
    await expect(createApp({ configPath: SAMPLE_CONFIG, env: { BROKER_PUBLISH_TIMEOUT_MS: '-1' } })).rejects.toMatchObject({
      code: 'invalid_config',
      details: [{ path: 'BROKER_PUBLISH_TIMEOUT_MS' }],
    });
  });

  it('the CLI reads them too: `migrate` with a bad DATABASE_URL names it and exits 1', () => {
    const cli = new URL('../../dist/cli.js', import.meta.url).pathname;
    let failure: any;
    try {
      execFileSync('node', [cli, 'migrate'], { encoding: 'utf8', stdio: 'pipe', env: { ...process.env, DATABASE_URL: 'postgress://x' } });
    } catch (error) {
      failure = error;
    }
    expect(failure?.status).toBe(1);
    expect(String(failure?.stderr)).toContain("DATABASE_URL: expected a postgres:// or postgresql:// URL, got 'postgress://x'");
  });
});

describe('the README', () => {
  it('documents every environment variable the settings read', async () => {
    const { readFileSync } = await import('node:fs');
    const { settingsSchema } = await import('../../src/app/settings.js');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const undocumented = Object.keys(settingsSchema.shape).filter((name) => !readme.includes(`\`${name}\``));
    expect(undocumented).toEqual([]);
  });
});
