import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpServer } from '../../../src/access/http/http-server.js';
import { type App, createApp } from '../../../src/app/create-app.js';
import { dropSchema } from '../../infra/postgres/postgres-test-schema.js';
import { deleteKeys } from '../../infra/redis/redis-test-support.js';
import { sampleConfigFile } from '../../support/sample-app.js';
import { DATABASE_URL, REDIS_URL, uniqueName } from '../../support/services.js';
import { type ClientCredentials, signedRequest } from '../../support/signed-client.js';

// Two API processes (apps) on one PostgreSQL schema and one Redis prefix: a client declared through
// the admin API of one signs requests against the other.
const namespace = uniqueName('clients');
const FILE_SECRETS = { OPS_SECRET: 'ops-secret-0123456789abc', WEB_BFF_SECRET: 'web-bff-secret-0123456789' };
const OPS: ClientCredentials = { clientId: 'ops', secret: FILE_SECRETS.OPS_SECRET };
const FIRST = 'partner-first-secret-7f3a9c1e55';
const SECOND = 'partner-second-secret-b81d02aa47';
const WRONG_SHAPE = 'partner-wrong-shape-secret-9e6b13';
const SECRETS = [FIRST, SECOND, WRONG_SHAPE];
const partner = (secret: string): ClientCredentials => ({ clientId: 'partner', secret });
const USER_READ = '/v1/activities/act-1001/users/u1';

interface Process {
  app: App;
  http: FastifyInstance;
  url: string;
  /** Everything the process logged, at every level. */
  log: () => string;
}

const processes: Process[] = [];

async function startProcess(configPath: string): Promise<Process> {
  let lines = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines += chunk.toString();
      done();
    },
  });
  const logger = pino({ level: 'trace' }, stream);
  const app = await createApp({
    configPath,
    logger,
    env: {
      ...FILE_SECRETS,
      DATABASE_URL,
      REDIS_URL,
      NAMESPACE: namespace,
      DATABASE_SCHEMA: namespace,
      MIGRATE: 'true',
      AUTH: 'on',
      ADMIN_TOKEN: 'admin-token-value-0123',
    },
  });
  const http = buildHttpServer(app, { logger });
  const url = await http.listen({ port: 0, host: '127.0.0.1' });
  const started = { app, http, url, log: () => lines };
  processes.push(started);
  return started;
}

let a: Process;
let b: Process;

beforeAll(async () => {
  const configPath = sampleConfigFile((config) => {
    Object.assign(config, {
      auth: 'on',
      clients: [
        { id: 'ops', secretEnv: 'OPS_SECRET', scopes: ['admin:write'] },
        { id: 'web-bff', secretEnv: 'WEB_BFF_SECRET', scopes: ['events:home_banner', 'users:read'] },
      ],
    });
  });
  a = await startProcess(configPath);
  b = await startProcess(configPath);
});

afterAll(async () => {
  for (const each of processes) {
    await each.http.close();
    await each.app.close();
  }
  const redis = new Redis(REDIS_URL);
  await deleteKeys(redis, `${namespace}:`);
  await redis.quit();
  await dropSchema(namespace);
});

/** Waits until `b` answers a request signed with `secret` with `status` (the change feed brings the client). */
async function untilOnB(secret: string, status: number, code?: string): Promise<void> {
  await expect
    .poll(
      async () => {
        const answer = await signedRequest(b.url, partner(secret), 'GET', USER_READ);
        return code === undefined ? answer.status : `${answer.status} ${answer.body?.error?.code}`;
      },
      { timeout: 10_000, interval: 100 },
    )
    .toBe(code === undefined ? status : `${status} ${code}`);
}

describe('clients through the admin API, over two processes on one PostgreSQL and Redis', () => {
  const answers: string[] = [];
  const admin = async (method: string, path: string, body?: unknown) => {
    const answer = await signedRequest(a.url, OPS, method, path, body);
    answers.push(JSON.stringify(answer.body));
    return answer;
  };

  it('a client created in one process signs requests in the other; rotation; delete → unknown_client', async () => {
    await untilOnB(FIRST, 401, 'unknown_client');
    const created = await admin('PUT', '/v1/clients/partner', {
      scopes: ['users:read'],
      rateLimit: { max: 100, within: '1s' },
      secrets: [FIRST],
    });
    expect(created.status).toBe(200);
    expect(created.body).toEqual({
      id: 'partner',
      scopes: ['users:read'],
      rateLimit: { max: 100, withinMs: 1_000 },
      secretSet: true,
      secretCount: 1,
      source: 'api',
    });
    await untilOnB(FIRST, 200);
    // Its scopes hold: users:read only.
    expect((await signedRequest(b.url, partner(FIRST), 'POST', '/v1/channels/home_banner/events', { userId: 'u1' })).body.error.code).toBe(
      'forbidden_scope',
    );

    // Rotation: both secrets verify, then only the new one.
    expect((await admin('PUT', '/v1/clients/partner', { scopes: ['users:read'], secrets: [FIRST, SECOND] })).status).toBe(200);
    await untilOnB(SECOND, 200);
    expect((await signedRequest(b.url, partner(FIRST), 'GET', USER_READ)).status).toBe(200);
    expect((await admin('PUT', '/v1/clients/partner', { scopes: ['users:read'], secrets: [SECOND] })).status).toBe(200);
    await untilOnB(FIRST, 401, 'bad_signature');
    expect((await signedRequest(b.url, partner(SECOND), 'GET', USER_READ)).status).toBe(200);

    expect((await admin('DELETE', '/v1/clients/partner')).status).toBe(200);
    await untilOnB(SECOND, 401, 'unknown_client');
    expect((await admin('DELETE', '/v1/clients/partner')).status).toBe(404);
  });

  it('a client of the config file cannot be changed through the API (409); bad bodies name the field', async () => {
    const refused = await admin('PUT', '/v1/clients/web-bff', { scopes: ['admin:write'], secrets: [FIRST] });
    expect(refused.status).toBe(409);
    expect((await admin('DELETE', '/v1/clients/ops')).status).toBe(409);

    const both = await admin('PUT', '/v1/clients/other', { scopes: ['users:read'], secretEnv: 'OTHER_SECRET', secrets: [FIRST] });
    expect(both.status).toBe(400);
    expect(both.body.error.details).toEqual([{ path: 'body.secrets', message: expect.stringContaining('either secretEnv or secrets') }]);
    const wrongShape = await admin('PUT', '/v1/clients/other', { scopes: ['users:read'], secrets: WRONG_SHAPE });
    expect(wrongShape.status).toBe(400);
    expect(wrongShape.body.error.details[0].path).toBe('body.secrets');
    const short = await admin('PUT', '/v1/clients/other', { scopes: ['nope'], secrets: ['short'] });
    expect(short.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['body.scopes[0]', 'body.secrets[0]']);
  });

  it('lists clients without secrets; the change log records the authenticated actor, redacted; no secret in any answer or log line', async () => {
    expect((await admin('PUT', '/v1/clients/listed', { scopes: ['traces:read'], secrets: [FIRST, SECOND] })).status).toBe(200);
    const listed = await admin('GET', '/v1/clients');
    expect(listed.body.clients).toEqual([
      { id: 'listed', scopes: ['traces:read'], secretSet: true, secretCount: 2, source: 'api' },
      { id: 'ops', scopes: ['admin:write'], secretEnv: 'OPS_SECRET', source: 'file' },
      { id: 'web-bff', scopes: ['events:home_banner', 'users:read'], secretEnv: 'WEB_BFF_SECRET', source: 'file' },
    ]);

    const changes = await admin('GET', '/v1/changes?kind=client&limit=50');
    expect(changes.status).toBe(200);
    const partnerChanges = changes.body.changes.filter((c: { id: string }) => c.id === 'partner');
    expect(partnerChanges.map((c: { after: unknown }) => (c.after === null ? 'deleted' : 'put'))).toEqual(['deleted', 'put', 'put', 'put']);
    expect(partnerChanges.every((c: { actor: string }) => c.actor === 'client:ops')).toBe(true);
    expect(partnerChanges[1].after).toMatchObject({ secretSet: true, secretCount: 1 });

    // The change log as stored, every answer given, and everything both processes logged.
    const sql = new pg.Client({ connectionString: DATABASE_URL });
    await sql.connect();
    const stored = await sql.query(`SELECT before::text, after::text FROM ${namespace}.config_changes WHERE kind = 'client'`);
    await sql.end();
    const everything = [JSON.stringify(stored.rows), ...answers, a.log(), b.log()].join('\n');
    expect(a.log().length + b.log().length).toBeGreaterThan(0);
    for (const secret of SECRETS) expect(everything).not.toContain(secret);
  });
});

describe('clients through the admin API on the embedded default', () => {
  it('are kept in memory and verify at once', async () => {
    const configPath = sampleConfigFile((config) => {
      Object.assign(config, { auth: 'on', clients: [{ id: 'ops', secretEnv: 'OPS_SECRET', scopes: ['admin:write'] }] });
    });
    const app = await createApp({ configPath, env: { OPS_SECRET: FILE_SECRETS.OPS_SECRET } });
    const http = buildHttpServer(app);
    try {
      const url = await http.listen({ port: 0, host: '127.0.0.1' });
      expect((await signedRequest(url, OPS, 'PUT', '/v1/clients/partner', { scopes: ['users:read'], secrets: [FIRST] })).status).toBe(200);
      expect(app.backends.records).toBe('memory');
      expect((await signedRequest(url, partner(FIRST), 'GET', USER_READ)).status).toBe(200);
      expect((await signedRequest(url, OPS, 'DELETE', '/v1/clients/partner')).status).toBe(200);
      expect((await signedRequest(url, partner(FIRST), 'GET', USER_READ)).body.error.code).toBe('unknown_client');
    } finally {
      await http.close();
      await app.close();
    }
  });
});
