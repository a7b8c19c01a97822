import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildHttpServer } from '../../src/access/http/http-server.js';
import { type App, createApp } from '../../src/app/create-app.js';
import { sampleConfigFile } from '../support/sample-app.js';

/**
 * The routes of the client scope: open while auth is off (as here), each needing a signed request
 * with its scope when auth is on (test/access/auth/front-door.test.ts). Every other route but
 * health and the contract must sit in the admin scope: a new route that lands outside both fails
 * here until it is added to a list on purpose.
 */
const CLIENT_ROUTES = new Set([
  'POST /v1/channels/:channelCode/events',
  'POST /v1/behaviors',
  'POST /v1/behaviors/batch',
  'GET /v1/activities/:activityId/users/:userId',
  'GET /v1/activities/:activityId/users/:userId/explain',
  'POST /v1/assets/:assetId/redeem',
  'GET /v1/events/:eventId/trace',
  'GET /v1/events/recent',
]);
const PUBLIC_ROUTES = new Set(['GET /healthz', 'GET /openapi.json']);
/** The API reference page and its assets (`/docs`, `/docs/static/*`, `/docs/json`), and the console's static files (its data needs the token). */
const isDocsRoute = (url: string) => url === '/docs' || url.startsWith('/docs/') || url === '/console' || url.startsWith('/console/');

let app: App | undefined;
let http: FastifyInstance | undefined;
afterEach(async () => {
  await http?.close();
  await app?.close();
  http = undefined;
  app = undefined;
});

describe('the admin scope', () => {
  it('every route is either public on purpose or refuses a request without the admin token', async () => {
    app = await createApp({ configPath: sampleConfigFile(), env: { ADMIN_TOKEN: 'secret' } });
    http = buildHttpServer(app);
    const routes: { method: string; url: string }[] = [];
    http.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url });
    });
    await http.ready();
    const document = http.swagger() as { paths: Record<string, Record<string, { security?: unknown }>> };

    const admin: string[] = [];
    for (const { method, url } of routes) {
      const route = `${method} ${url}`;
      const documented = document.paths[url.replace(/:(\w+)/g, '{$1}')]?.[method.toLowerCase()];
      if (PUBLIC_ROUTES.has(route) || isDocsRoute(url)) {
        expect(documented?.security, `${route} is public but documented as admin`).toBeUndefined();
        continue;
      }
      if (CLIENT_ROUTES.has(route)) {
        expect(documented?.security, `${route} is a client route`).toEqual([{ signedRequest: [] }, { adminToken: [] }]);
        continue;
      }
      admin.push(route);
      expect(documented?.security, `${route} is neither public nor documented as admin`).toEqual([
        { adminToken: [] },
        { signedRequest: [] },
      ]);
      const concrete = url.replace(/:(\w+)/g, 'x').replace('*', 'x');
      for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: 'secret' }]) {
        const response = await http.inject({
          method: method as 'GET',
          url: concrete,
          headers,
          payload: method === 'GET' || method === 'DELETE' ? undefined : {},
        });
        expect(response.statusCode, `${route} without the token`).toBe(401);
        expect(response.json()).toMatchObject({ error: { code: 'unauthorized' } });
      }
    }
    expect(admin.sort()).toEqual([
      'DELETE /v1/activities/:activityId/rollout',
      'DELETE /v1/clients/:clientId',
      'GET /metrics',
      'GET /v1/activities',
      'GET /v1/activities/:activityId/stats',
      'GET /v1/changes',
      'GET /v1/clients',
      'GET /v1/dead-letters',
      'GET /v1/events/export',
      'GET /v1/templates',
      'POST /v1/dead-letters/:id/replay',
      'PUT /v1/activities/:activityId',
      'PUT /v1/activities/:activityId/rollout',
      'PUT /v1/clients/:clientId',
      'PUT /v1/templates/:templateId/:version',
    ]);
    const allowed = await http.inject({ method: 'GET', url: '/v1/templates', headers: { authorization: 'Bearer secret' } });
    expect(allowed.statusCode).toBe(200);
  });
});
