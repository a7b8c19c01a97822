import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterEach, describe, expect, it } from 'vitest';
import { formatOpenApiDocument, openApiDocument } from '../../src/access/http/openapi-document.js';
import type { InProcessBroker } from '../../src/infra/memory/in-process-broker.js';
import { type RunningApi, startApi } from '../support/sample-app.js';

const COMMITTED = resolve(import.meta.dirname, '../../openapi.json');
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

let api: RunningApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

type Document = {
  openapi: string;
  paths: Record<
    string,
    Record<string, { security?: unknown[]; responses: Record<string, { content?: Record<string, { schema: object }> }> }>
  >;
  components: { schemas: Record<string, object> };
};

describe('the OpenAPI document', () => {
  it('is committed as openapi.json exactly as the code generates it (run `npm run openapi` after changing a route)', async () => {
    const generated = formatOpenApiDocument(await openApiDocument());
    expect(readFileSync(COMMITTED, 'utf8'), 'openapi.json is stale: run `npm run openapi` and commit it').toBe(generated);
  });

  it('is valid OpenAPI 3.1 for an independent validator, and is what a running server serves at /openapi.json', async () => {
    const document = JSON.parse(readFileSync(COMMITTED, 'utf8')) as Document;
    expect(document.openapi).toBe('3.1.0');
    const result = await new Validator().validate(document as unknown as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    api = await startApi();
    expect((await api.get('/openapi.json')).body).toEqual(document);
  });

  it('documents every route with its responses, error answers and its security scheme', () => {
    const document = JSON.parse(readFileSync(COMMITTED, 'utf8')) as Document;
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ route: `${method.toUpperCase()} ${path}`, operation })),
    );
    expect(operations.length).toBeGreaterThanOrEqual(18);
    for (const { route, operation } of operations) {
      const statuses = Object.keys(operation.responses);
      expect(
        statuses.some((status) => status.startsWith('2')),
        route,
      ).toBe(true);
      if (operation.security) {
        // Both take a bearer token or a signed request; the order tells admin routes from client routes.
        const either = [
          JSON.stringify([{ adminToken: [] }, { signedRequest: [] }]),
          JSON.stringify([{ signedRequest: [] }, { adminToken: [] }]),
        ];
        expect(either, route).toContain(JSON.stringify(operation.security));
        expect(statuses, route).toEqual(expect.arrayContaining(['401', '403']));
      }
    }
    expect(operations.filter(({ operation }) => !operation.security).map(({ route }) => route)).toEqual(['GET /healthz']);
    expect(document.components).toMatchObject({
      securitySchemes: {
        adminToken: { type: 'http', scheme: 'bearer' },
        signedRequest: { type: 'apiKey', in: 'header', name: 'X-SC-Signature' },
      },
    });
    const channelEvents = document.paths['/v1/channels/{channelCode}/events']?.post;
    expect(Object.keys(channelEvents?.responses ?? {})).toEqual(expect.arrayContaining(['200', '400', '409']));
  });
});

describe('the /docs page', () => {
  it('is served with every asset from this process: it works offline, no CDN', async () => {
    api = await startApi();
    const page = await fetch(`${api.url}/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toMatch(/swagger-ui/);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] as string);
    expect(assets.length).toBeGreaterThan(2);
    for (const asset of assets) {
      expect(asset, 'an asset from another host').not.toMatch(/^(https?:)?\/\//);
      const response = await fetch(new URL(asset, page.url));
      expect(response.status, asset).toBe(200);
      const text = await response.text();
      if (asset.endsWith('initializer.js')) expect(text).not.toMatch(/url:\s*["']https?:/);
    }
  });
});

describe('real answers of the sample play', () => {
  it('match their response schemas', async () => {
    const document = JSON.parse(readFileSync(COMMITTED, 'utf8')) as Document;
    const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
    ajv.addSchema({ $id: 'openapi.json', components: document.components });
    const checked: string[] = [];
    const check = (method: string, path: string, response: { status: number; body: unknown }) => {
      const operation = document.paths[path]?.[method];
      const schema = operation?.responses[String(response.status)]?.content?.['application/json']?.schema;
      expect(schema, `${method} ${path} ${response.status} is documented`).toBeDefined();
      const validate = ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi.json#/components/')));
      expect(validate(response.body) ? [] : validate.errors, `${method} ${path} ${response.status}`).toEqual([]);
      checked.push(`${method} ${path} ${response.status}`);
    };
    api = await startApi();
    const running = api;
    const send = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${running.url}${path}`, {
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
      return { status: response.status, body: (await response.json()) as any };
    };

    check(
      'post',
      '/v1/channels/{channelCode}/events',
      await send('POST', '/v1/channels/home_banner/events', { userId: 'u1', eventId: 'c0' }),
    );
    for (const [i, itemId] of ['sku-001', 'sku-002', 'sku-001'].entries()) {
      check('post', '/v1/behaviors', await send('POST', '/v1/behaviors', { userId: 'u1', type: 'item_view', itemId, eventId: `v${i}` }));
    }
    await (running.app.broker as InProcessBroker).drained();
    check('get', '/v1/activities/{activityId}/users/{userId}', await send('GET', '/v1/activities/act-1001/users/u1'));
    const dryRun = await send('POST', '/v1/channels/home_banner/events?dryRun=true&now=2026-12-24T18:00:00Z', { userId: 'u1' });
    expect(dryRun.body.traces.length).toBeGreaterThan(0);
    check('post', '/v1/channels/{channelCode}/events', dryRun);
    const issued = await send('POST', '/v1/channels/home_banner/events', { userId: 'u1', eventId: 'c1' });
    expect(issued.body.outcomes[0].status).toBe('issued');
    check('post', '/v1/channels/{channelCode}/events', issued);
    check(
      'post',
      '/v1/channels/{channelCode}/events',
      await send('POST', '/v1/channels/home_banner/events', { userId: 'u1', eventId: 'c1', payload: { x: 1 } }),
    );
    check('get', '/v1/events/{eventId}/trace', await send('GET', '/v1/events/c1/trace'));
    check('get', '/v1/activities/{activityId}/users/{userId}/explain', await send('GET', '/v1/activities/act-1001/users/u1/explain'));
    const assetId = issued.body.outcomes[0].asset.id as string;
    check('post', '/v1/assets/{assetId}/redeem', await send('POST', `/v1/assets/${assetId}/redeem`));
    check('post', '/v1/assets/{assetId}/redeem', await send('POST', `/v1/assets/${assetId}/redeem`));
    check('post', '/v1/behaviors', await send('POST', '/v1/behaviors', { userId: 'u1', type: 42 }));
    const batch = [
      { userId: 'u2', type: 'item_view', itemId: 'sku-001', eventId: 'b-1' },
      { userId: 'u2', type: 'item_view', itemId: 'sku-002', eventId: 'b-2' },
    ];
    check('post', '/v1/behaviors/batch', await send('POST', '/v1/behaviors/batch', batch));
    const partly = await send('POST', '/v1/behaviors/batch', [...batch, { userId: 'u2', type: 7 }]);
    expect(partly.status).toBe(207);
    check('post', '/v1/behaviors/batch', partly);
    check('post', '/v1/behaviors/batch', await send('POST', '/v1/behaviors/batch', { not: 'a list' }));
    check('get', '/v1/events/{eventId}/trace', await send('GET', '/v1/events/never/trace'));

    check('get', '/v1/activities', await send('GET', '/v1/activities'));
    check('get', '/v1/activities/{activityId}/stats', await send('GET', '/v1/activities/act-1001/stats'));
    check('get', '/v1/activities/{activityId}/stats', await send('GET', '/v1/activities/act-1001/stats?bucket=week'));
    check('get', '/v1/activities/{activityId}/stats', await send('GET', '/v1/activities/nothing/stats'));
    await expect.poll(async () => (await send('GET', '/v1/events/recent')).body.events.length).toBeGreaterThan(0);
    check('get', '/v1/events/recent', await send('GET', '/v1/events/recent?channel=home_banner'));
    check('get', '/v1/events/recent', await send('GET', '/v1/events/recent?limit=0'));
    check('get', '/v1/templates', await send('GET', '/v1/templates'));
    const activity = {
      id: 'act-2002',
      name: 'Second play',
      template: 'item-promotion@3.0',
      channels: ['home_banner'],
      window: { start: '2026-01-01T00:00:00Z', end: '2030-01-01T00:00:00Z' },
      benefit: { pool: 'coupon-5off', stock: 5, perUser: 1, validFor: '1d' },
    };
    check('put', '/v1/activities/{activityId}', await send('PUT', '/v1/activities/act-2002', activity));
    check(
      'put',
      '/v1/activities/{activityId}',
      await send('PUT', '/v1/activities/act-2002', { ...activity, benefit: { ...activity.benefit, stock: -1 } }),
    );
    check(
      'put',
      '/v1/activities/{activityId}/rollout',
      await send('PUT', '/v1/activities/act-2002/rollout', { template: 'item-promotion@2.0', percent: 20 }),
    );
    check('delete', '/v1/activities/{activityId}/rollout', await send('DELETE', '/v1/activities/act-2002/rollout'));
    const template = { lock: false, chains: { home_banner: ['query-activity', 'check-event', 'build-result'] } };
    check('put', '/v1/templates/{templateId}/{version}', await send('PUT', '/v1/templates/promo/1.0', template));
    check('put', '/v1/templates/{templateId}/{version}', await send('PUT', '/v1/templates/promo/1.0', template));
    check('get', '/v1/dead-letters', await send('GET', '/v1/dead-letters'));
    check('get', '/v1/changes', await send('GET', '/v1/changes?limit=5'));
    check('get', '/healthz', await send('GET', '/healthz'));
    expect(checked).toEqual(
      expect.arrayContaining([
        'post /v1/channels/{channelCode}/events 200',
        'post /v1/channels/{channelCode}/events 409',
        'post /v1/assets/{assetId}/redeem 409',
        'post /v1/behaviors/batch 202',
        'post /v1/behaviors/batch 207',
        'post /v1/behaviors/batch 400',
        'get /v1/activities/{activityId}/stats 200',
        'get /v1/activities/{activityId}/stats 400',
        'get /v1/activities/{activityId}/stats 404',
        'get /v1/events/recent 200',
        'get /v1/events/recent 400',
        'put /v1/activities/{activityId} 400',
        'put /v1/templates/{templateId}/{version} 201',
        'put /v1/templates/{templateId}/{version} 200',
      ]),
    );
  });
});
