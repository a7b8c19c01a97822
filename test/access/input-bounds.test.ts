import { afterEach, describe, expect, it } from 'vitest';
import { parseBehaviorMessage } from '../../src/access/behavior-message.js';
import { jsonDepthWithin, MAX_JSON_DEPTH } from '../../src/access/json-depth.js';
import { type RunningApi, startApi } from '../support/sample-app.js';

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('input bounds found by the chaos suite', () => {
  let api: RunningApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it('measures nesting without recursion, even 100,000 levels deep', () => {
    expect(jsonDepthWithin(JSON.parse(nested(MAX_JSON_DEPTH - 1)) as unknown, MAX_JSON_DEPTH)).toBe(true);
    expect(jsonDepthWithin({ a: JSON.parse(nested(MAX_JSON_DEPTH)) as unknown }, MAX_JSON_DEPTH)).toBe(false);
    expect(jsonDepthWithin(JSON.parse(nested(100_000)) as unknown)).toBe(false);
  });

  it('refuses a payload nested deeper than the bound with 400 naming body.payload, with or without an event id', async () => {
    api = await startApi();
    for (const eventId of [undefined, 'deep-1']) {
      const response = await fetch(`${api.url}/v1/channels/home_banner/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: `{"userId":"u1",${eventId ? `"eventId":"${eventId}",` : ''}"payload":{"a":${nested(50_000)}}}`,
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: 'invalid_input', details: [{ path: 'body.payload' }] } });
    }
  });

  it('answers an over-long or badly encoded URL in the contract error shape', async () => {
    api = await startApi();
    for (const path of [`/v1/channels/${'c'.repeat(300)}/events`, '/v1/events/%E0%A4%A/trace']) {
      const response = await fetch(`${api.url}${path}`, {
        method: path.endsWith('events') ? 'POST' : 'GET',
        ...(path.endsWith('events') ? { headers: { 'content-type': 'application/json' }, body: '{"userId":"u1"}' } : {}),
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        error: { code: 'invalid_input', message: expect.any(String), details: [{ path: 'url' }] },
      });
    }
  });

  it('refuses a broker message whose payload nests too deep (straight to the dead letters)', () => {
    expect(() =>
      parseBehaviorMessage(`{"channelCode":"browse_3_items","userId":"u1","eventId":"e1","payload":{"a":${nested(40)}}}`),
    ).toThrow(/message\.payload: expected at most 32 levels of nesting/);
  });
});
