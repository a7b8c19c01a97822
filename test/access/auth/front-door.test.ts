import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildHttpServer } from '../../../src/access/http/http-server.js';
import { assertSafeToServe, isLoopback } from '../../../src/app/auth-mode.js';
import { type App, createApp } from '../../../src/app/create-app.js';
import { readSettings } from '../../../src/app/settings.js';
import { InvalidConfigError } from '../../../src/domain/errors.js';
import { sampleConfigFile } from '../../support/sample-app.js';
import { type ClientCredentials, signedRequest } from '../../support/signed-client.js';

const SECRETS = {
  WEB_BFF_SECRET: 'web-bff-secret-0123456789',
  READER_SECRET: 'reader-secret-0123456789',
  OPS_SECRET: 'ops-secret-0123456789abc',
};
const WEB: ClientCredentials = { clientId: 'web-bff', secret: SECRETS.WEB_BFF_SECRET };
const READER: ClientCredentials = { clientId: 'reader', secret: SECRETS.READER_SECRET };
const OPS: ClientCredentials = { clientId: 'ops', secret: SECRETS.OPS_SECRET };

/** Routes anyone may call, on purpose: health, the published contract and the console's static files (its data needs a token). */
const PUBLIC = (url: string) =>
  url === '/healthz' ||
  url === '/openapi.json' ||
  url === '/docs' ||
  url.startsWith('/docs/') ||
  url === '/console' ||
  url.startsWith('/console/');

function authConfig(): string {
  return sampleConfigFile((config) => {
    Object.assign(config, {
      auth: 'on',
      clients: [
        { id: 'web-bff', secretEnv: 'WEB_BFF_SECRET', scopes: ['events:home_banner', 'behaviors:write', 'users:read', 'assets:redeem'] },
        { id: 'reader', secretEnv: 'READER_SECRET', scopes: ['traces:read', 'admin:read'] },
        { id: 'ops', secretEnv: 'OPS_SECRET', scopes: ['admin:write'] },
      ],
    });
  });
}

let app: App | undefined;
let http: FastifyInstance | undefined;
afterEach(async () => {
  await http?.close();
  await app?.close();
  http = undefined;
  app = undefined;
});

async function start(env: Record<string, string> = {}): Promise<string> {
  app = await createApp({
    configPath: authConfig(),
    env: { ...SECRETS, ADMIN_TOKEN: 'admin-token-value', ADMIN_READ_TOKEN: 'read-token-value', ...env },
  });
  await app.startConsuming();
  http = buildHttpServer(app);
  return http.listen({ port: 0, host: '127.0.0.1' });
}

describe('the front door with auth on', () => {
  it('every route but health and the contract refuses a request without credentials', async () => {
    app = await createApp({ configPath: authConfig(), env: SECRETS });
    http = buildHttpServer(app);
    const routes: { method: string; url: string }[] = [];
    http.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url });
    });
    await http.ready();
    const guarded = routes.filter(({ url }) => !PUBLIC(url));
    expect(guarded.length).toBeGreaterThanOrEqual(16);
    for (const { method, url } of guarded) {
      const response = await http.inject({
        method: method as 'GET',
        url: url.replace(/:(\w+)/g, 'x').replace('*', 'x'),
        payload: method === 'GET' || method === 'DELETE' ? undefined : { userId: 'u1', type: 'item_view' },
      });
      expect(response.statusCode, `${method} ${url} without credentials`).toBe(401);
      expect(['missing_signature', 'unauthorized']).toContain(response.json().error.code);
    }
    for (const url of ['/healthz', '/openapi.json']) expect((await http.inject({ method: 'GET', url })).statusCode).toBe(200);
  });

  it('runs the sample play end to end with signed requests', async () => {
    const url = await start();
    for (let i = 1; i <= 2; i++) {
      const behavior = await signedRequest(url, WEB, 'POST', '/v1/behaviors', { userId: 'u1', type: 'item_view', itemId: `sku-00${i}` });
      expect(behavior.status).toBe(202);
    }
    const batch = await signedRequest(url, WEB, 'POST', '/v1/behaviors/batch', [{ userId: 'u1', type: 'item_view', itemId: 'sku-003' }]);
    expect(batch.status).toBe(202);
    expect(batch.body.results[0].fired).toEqual(['browse_3_items']);
    await expect
      .poll(async () => (await signedRequest(url, WEB, 'GET', '/v1/activities/act-1001/users/u1')).body.prepared, { timeout: 10_000 })
      .toBeTruthy();
    const click = await signedRequest(url, WEB, 'POST', '/v1/channels/home_banner/events', { userId: 'u1', eventId: 'click-1' });
    expect(click.status).toBe(200);
    expect(click.body.outcomes[0]).toMatchObject({ status: 'issued' });
    const assetId = click.body.outcomes[0].asset.id as string;
    const redeemed = await signedRequest(url, WEB, 'POST', `/v1/assets/${assetId}/redeem`);
    expect(redeemed.body).toMatchObject({ id: assetId, status: 'redeemed' });
    const trace = await signedRequest(url, READER, 'GET', '/v1/events/click-1/trace');
    expect(trace.status).toBe(200);
    const recent = await signedRequest(url, READER, 'GET', '/v1/events/recent?channel=home_banner');
    expect(recent.status).toBe(200);
    expect(recent.body.events.map((e: { eventId: string }) => e.eventId)).toContain('click-1');
    const stats = await signedRequest(url, READER, 'GET', '/v1/activities/act-1001/stats');
    expect(stats.body.totals).toMatchObject({ issued: 1, redeemed: 1 });
    const notAReader = await signedRequest(url, WEB, 'GET', '/v1/events/recent');
    expect(notAReader.body.error).toMatchObject({ code: 'forbidden_scope', message: expect.stringContaining("'traces:read'") });
    expect((await signedRequest(url, WEB, 'GET', '/v1/activities/act-1001/stats')).status).toBe(403);
  });

  it('refuses a scope the client lacks with 403 naming it', async () => {
    const url = await start();
    const otherChannel = await signedRequest(url, WEB, 'POST', '/v1/channels/browse_3_items/events', { userId: 'u1' });
    expect(otherChannel.status).toBe(403);
    expect(otherChannel.body.error).toMatchObject({
      code: 'forbidden_scope',
      details: [{ path: 'scope', message: "needs 'events:browse_3_items'" }],
    });
    const trace = await signedRequest(url, WEB, 'GET', '/v1/events/any/trace');
    expect(trace.body.error.code).toBe('forbidden_scope');
    expect(trace.body.error.message).toContain("'traces:read'");
    const adminWrite = await signedRequest(url, READER, 'DELETE', '/v1/activities/act-1001/rollout');
    expect(adminWrite.status).toBe(403);
    expect(adminWrite.body.error.message).toContain("'admin:write'");
  });

  it('lets operators use client routes with their bearer token: the read token only reads', async () => {
    const url = await start();
    const asAdmin = { authorization: 'Bearer admin-token-value', 'content-type': 'application/json' };
    const asReader = { authorization: 'Bearer read-token-value', 'content-type': 'application/json' };
    const click = await fetch(`${url}/v1/channels/home_banner/events`, { method: 'POST', headers: asAdmin, body: '{"userId":"op-1"}' });
    expect(click.status).toBe(200);
    const explain = await fetch(`${url}/v1/activities/act-1001/users/op-1/explain`, { headers: asReader });
    expect(explain.status).toBe(200);
    const refused = await fetch(`${url}/v1/channels/home_banner/events`, { method: 'POST', headers: asReader, body: '{"userId":"op-2"}' });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain("'events:home_banner'");
    const wrong = await fetch(`${url}/v1/activities/act-1001/users/op-1`, { headers: { authorization: 'Bearer wrong' } });
    expect(wrong.status).toBe(401);
  });

  it('separates admin reads from writes, and records the authenticated actor, not x-actor', async () => {
    const url = await start();
    const asReader = { authorization: 'Bearer read-token-value' };
    expect((await fetch(`${url}/v1/activities`, { headers: asReader })).status).toBe(200);
    expect((await fetch(`${url}/metrics`, { headers: asReader })).status).toBe(200);
    const refused = await fetch(`${url}/v1/activities/act-1001/rollout`, { method: 'DELETE', headers: asReader });
    expect(refused.status).toBe(403);
    expect((await fetch(`${url}/v1/activities`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);

    const rollout = { template: 'item-promotion@3.0', percent: 10 };
    const byToken = await fetch(`${url}/v1/activities/act-1001/rollout`, {
      method: 'PUT',
      headers: { authorization: 'Bearer admin-token-value', 'content-type': 'application/json', 'x-actor': 'mallory' },
      body: JSON.stringify(rollout),
    });
    expect(byToken.status).toBe(200);
    const byClient = await signedRequest(url, OPS, 'DELETE', '/v1/activities/act-1001/rollout', undefined, { 'x-actor': 'mallory' });
    expect(byClient.status).toBe(200);
    const changes = await signedRequest(url, READER, 'GET', '/v1/changes?kind=activity&id=act-1001');
    const actors = (changes.body.changes as { actor: string }[]).map((change) => change.actor);
    expect(actors.slice(0, 2)).toEqual(['client:ops', 'admin-token']);
    expect(JSON.stringify(changes.body)).not.toContain(SECRETS.OPS_SECRET);
  });
});

describe('when the API may run open', () => {
  const settings = (env: Record<string, string>) => readSettings(env);

  it('allows an open API only on loopback without DATABASE_URL, or with AUTH=off said on purpose', () => {
    expect(() => assertSafeToServe('off', settings({}), '127.0.0.1')).not.toThrow();
    expect(() => assertSafeToServe('on', settings({ DATABASE_URL: 'postgres://x/y' }), '0.0.0.0')).not.toThrow();
    expect(() => assertSafeToServe('off', settings({ DATABASE_URL: 'postgres://x/y', AUTH: 'off' }), '0.0.0.0')).not.toThrow();
    for (const [env, host] of [
      [{ DATABASE_URL: 'postgres://x/y' }, '127.0.0.1'],
      [{}, '0.0.0.0'],
    ] as const) {
      let error: unknown;
      try {
        assertSafeToServe('off', settings(env), host);
      } catch (thrown) {
        error = thrown;
      }
      expect(error).toBeInstanceOf(InvalidConfigError);
      expect((error as InvalidConfigError).details[0]?.path).toBe('AUTH');
    }
    expect(isLoopback('127.0.0.1') && isLoopback('localhost') && isLoopback('::1')).toBe(true);
    expect(isLoopback('0.0.0.0') || isLoopback('10.0.0.1')).toBe(false);
  });

  it('names the variable when a client secret is missing or short', async () => {
    const error = await createApp({ configPath: authConfig(), env: { WEB_BFF_SECRET: 'short', OPS_SECRET: SECRETS.OPS_SECRET } }).catch(
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect((error as InvalidConfigError).details).toEqual([
      { path: 'clients[0].secretEnv', message: 'a secret in WEB_BFF_SECRET is shorter than 16 characters' },
      { path: 'clients[1].secretEnv', message: "environment variable READER_SECRET is not set (it holds the client's secret)" },
    ]);
  });
});
