import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { buildHttpServer } from '../../src/access/http/http-server.js';
import { createApp } from '../../src/app/create-app.js';
import type { InProcessBroker } from '../../src/infra/memory/in-process-broker.js';
import { type RunningApi, sampleConfigFile, startApi } from '../support/sample-app.js';
import { REDIS_URL, uniqueName } from '../support/services.js';

let api: RunningApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function postBatch(running: RunningApi, body: string, contentType: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${running.url}/v1/behaviors/batch`, { method: 'POST', body, headers: { 'content-type': contentType } });
  return { status: response.status, body: await response.json() };
}

const view = (userId: string, i: number) => ({ userId, type: 'item_view', itemId: `sku-00${i + 1}`, eventId: `${userId}-v${i}` });

describe('POST /v1/behaviors/batch', () => {
  it('validates each item on its own, answers in order, records and fires the valid ones', async () => {
    api = await startApi();
    const items: unknown[] = [view('u1', 0), view('u2', 0), view('u1', 1), view('u2', 1), view('u1', 2)];
    items.splice(2, 0, { userId: 'u3', type: 7 }); // body[2].type
    items.push({ userId: 'u2', type: 'item_view', at: 'yesterday' }, view('u2', 2)); // body[6].at
    const answer = await postBatch(api, JSON.stringify(items), 'application/json');
    expect(answer.status).toBe(207);
    expect(answer.body).toMatchObject({ accepted: 6, failed: 2 });
    expect(answer.body.results.map((r: { status: string }) => r.status)).toEqual([
      'accepted',
      'accepted',
      'failed',
      'accepted',
      'accepted',
      'accepted',
      'failed',
      'accepted',
    ]);
    expect(answer.body.results[2].error).toMatchObject({ code: 'invalid_input', details: [{ path: 'body[2].type' }] });
    expect(answer.body.results[6].error.details[0].path).toBe('body[6].at');
    expect(answer.body.results[5]).toEqual({ status: 'accepted', eventId: 'u1-v2', fired: ['browse_3_items'] });
    expect(answer.body.results[7]).toEqual({ status: 'accepted', eventId: 'u2-v2', fired: ['browse_3_items'] });
    expect(answer.body.results[0]).toEqual({ status: 'accepted', eventId: 'u1-v0', fired: [] });
    await (api.app.broker as InProcessBroker).drained();
    for (const user of ['u1', 'u2']) expect((await api.get(`/v1/activities/act-1001/users/${user}`)).body.prepared).toBeTruthy();

    // The same batch again: counting is idempotent by event id, so nothing fires twice or counts twice.
    const again = await postBatch(api, JSON.stringify([view('u1', 0), view('u1', 1), view('u1', 2)]), 'application/json');
    expect(again.status).toBe(202);
    expect(again.body.results.map((r: { fired: string[] }) => r.fired)).toEqual([[], [], ['browse_3_items']]);
  });

  it('takes NDJSON, skipping blank lines; a line that is not JSON fails alone', async () => {
    api = await startApi();
    const ndjson = [
      JSON.stringify(view('n1', 0)),
      '{"userId": "n1", oops',
      '',
      JSON.stringify(view('n1', 1)),
      JSON.stringify(view('n1', 2)),
    ].join('\n');
    const answer = await postBatch(api, `${ndjson}\n`, 'application/x-ndjson');
    expect(answer.status).toBe(207);
    expect(answer.body.results).toHaveLength(4);
    expect(answer.body.results[1].error).toMatchObject({ code: 'invalid_input', details: [{ path: 'body[1]' }] });
    expect(answer.body.results[1].error.details[0].message).toMatch(/not valid JSON/);
    expect(answer.body.results[3]).toEqual({ status: 'accepted', eventId: 'n1-v2', fired: ['browse_3_items'] });
  });

  it('refuses a batch that is not an array, is empty or has more than 1,000 items, naming the body', async () => {
    api = await startApi();
    for (const body of [{ userId: 'u1', type: 'item_view' }, [], Array.from({ length: 1001 }, (_, i) => view(`big${i}`, 0))]) {
      const answer = await postBatch(api, JSON.stringify(body), 'application/json');
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 'invalid_input', details: [{ path: 'body' }] });
    }
    const full = await postBatch(api, JSON.stringify(Array.from({ length: 1000 }, (_, i) => view(`full${i}`, 0))), 'application/json');
    expect(full.status).toBe(202);
    expect(full.body.accepted).toBe(1000);
  });

  it('on Redis Streams, answers 202 only once every fired rule’s message is on the stream', async () => {
    const namespace = uniqueName('batch');
    // No consumer: the stream must hold every message the answer says fired.
    const app = await createApp({ configPath: sampleConfigFile(), env: { REDIS_URL, BROKER_URL: REDIS_URL, NAMESPACE: namespace } });
    const http = buildHttpServer(app);
    const url = await http.listen({ port: 0, host: '127.0.0.1' });
    api = {
      app,
      http,
      url,
      post: async () => ({ status: 0, body: undefined }),
      get: async () => ({ status: 0, body: undefined }),
      close: async () => {
        await http.close();
        await app.close();
      },
    };
    const redis = new Redis(REDIS_URL);
    try {
      const items = Array.from({ length: 999 }, (_, i) => view(`r${Math.floor(i / 3)}`, i % 3));
      const answer = await postBatch(api, JSON.stringify(items), 'application/json');
      expect(answer.status).toBe(202);
      const fired = answer.body.results.filter((r: { fired: string[] }) => r.fired.length > 0).length;
      expect(fired).toBe(333);
      expect(await redis.xlen(`{${namespace}}:behaviors`)).toBe(333);
    } finally {
      const keys = [...(await redis.keys(`${namespace}:*`)), ...(await redis.keys(`{${namespace}}*`))];
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    }
  });
});
