/**
 * Malformed inputs, generated from a seed so that a failure can be replayed: every one breaks the
 * public contract (README, "The public contract") in its own way, and must be answered with a 4xx
 * (HTTP) or end in the dead letters (broker), never a crash.
 */

/** mulberry32: small, fast, good enough to pick mutations. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface HttpProbe {
  readonly kind: string;
  readonly method: 'POST' | 'GET' | 'PUT';
  readonly path: string;
  readonly body?: string;
  readonly contentType?: string;
}

const LONG = 'x'.repeat(201);
const WRONG_VALUES: unknown[] = [42, -1.5, true, false, null, [], ['a'], {}, { nested: 1 }, '', LONG];
const WRONG_OBJECTS: unknown[] = [42, 'text', true, null, [], [1, 2], ''];
const NOT_JSON = [
  '{',
  '}',
  'nope',
  "{'userId':'u1'}",
  '{"userId":}',
  '{"userId":"u1",}',
  '[1,',
  '"unterminated',
  'undefined',
  'NaN',
  '{"a":1}{"b":2}',
];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function truncatedJson(random: () => number, valid: string): string {
  for (;;) {
    const cut = valid.slice(0, 1 + Math.floor(random() * (valid.length - 1)));
    try {
      JSON.parse(cut);
    } catch {
      return cut;
    }
  }
}

const event = (body: unknown, channel = 'home_banner', query = ''): HttpProbe => ({
  kind: 'event',
  method: 'POST',
  path: `/v1/channels/${channel}/events${query}`,
  body: JSON.stringify(body),
});
const behavior = (body: unknown): HttpProbe => ({ kind: 'behavior', method: 'POST', path: '/v1/behaviors', body: JSON.stringify(body) });

/** `count` HTTP requests, each malformed in one way, drawn from every endpoint that takes input. */
export function malformedHttp(count: number, seed = 6): HttpProbe[] {
  const random = seededRandom(seed);
  const makers: (() => HttpProbe)[] = [
    () => ({ kind: 'event: not JSON', method: 'POST', path: '/v1/channels/home_banner/events', body: pick(random, NOT_JSON) }),
    () => ({
      kind: 'event: truncated JSON',
      method: 'POST',
      path: '/v1/channels/home_banner/events',
      body: truncatedJson(random, JSON.stringify({ userId: 'u1', eventId: 'e1', payload: { platform: 'ios', items: [1, 2, 3] } })),
    }),
    () => ({ ...event(pick(random, WRONG_OBJECTS)), kind: 'event: body not an object' }),
    () => ({ ...event({ userId: pick(random, WRONG_VALUES) }), kind: 'event: bad userId' }),
    () => ({ ...event({ eventId: 'e1' }), kind: 'event: no userId' }),
    () => ({ ...event({ userId: 'u1', eventId: pick(random, WRONG_VALUES) }), kind: 'event: bad eventId' }),
    () => ({ ...event({ userId: 'u1', payload: pick(random, WRONG_OBJECTS) }), kind: 'event: payload not an object' }),
    () => ({ ...event({ userId: 'u1', lock: pick(random, ['yes', 1, 0, null, 'true']) }), kind: 'event: bad lock' }),
    () => ({ ...event({ userId: 'u1', [`unknown${Math.floor(random() * 1000)}`]: 1 }), kind: 'event: unknown field' }),
    () => ({
      ...event(
        { userId: 'u1' },
        'home_banner',
        pick(random, ['?dryRun=maybe', '?dryRun=1', '?now=2026-01-01T00:00:00Z', '?dryRun=true&now=yesterday', '?limit=3']),
      ),
      kind: 'event: bad query',
    }),
    () => ({ ...event({ userId: 'u1' }, 'c'.repeat(201)), kind: 'event: channel code too long' }),
    () => ({
      kind: 'event: wrong content type',
      method: 'POST',
      path: '/v1/channels/home_banner/events',
      body: JSON.stringify({ userId: 'u1' }),
      contentType: pick(random, ['text/plain', 'application/xml', 'application/x-www-form-urlencoded']),
    }),
    () => ({ kind: 'event: empty body', method: 'POST', path: '/v1/channels/home_banner/events', body: '' }),
    () => ({
      kind: 'event: body too large',
      method: 'POST',
      path: '/v1/channels/home_banner/events',
      body: JSON.stringify({ userId: 'u1', payload: { blob: 'x'.repeat(300 * 1024) } }),
    }),
    () => {
      // Nesting deeper than any payload needs: the parser copes, nothing downstream may choke on it.
      const depth = 2_000 + Math.floor(random() * 60_000);
      return {
        kind: 'event: absurdly nested payload',
        method: 'POST',
        path: '/v1/channels/home_banner/events',
        body: `{"userId":"u1","payload":{"a":${'['.repeat(depth)}${']'.repeat(depth)}}}`,
      };
    },
    () => ({ kind: 'trace: broken URL encoding', method: 'GET', path: `/v1/events/${pick(random, ['%E0%A4%A', '%', '%zz', 'a%'])}/trace` }),
    () => {
      const depth = 33 + Math.floor(random() * 2_000);
      return {
        kind: 'behavior: nested attributes',
        method: 'POST',
        path: '/v1/behaviors',
        body: `{"userId":"u1","type":"item_view","attributes":{"a":${'['.repeat(depth)}${']'.repeat(depth)}}}`,
      };
    },
    () => ({ ...behavior({ userId: 'u1' }), kind: 'behavior: no type' }),
    () => ({ ...behavior({ userId: 'u1', type: pick(random, WRONG_VALUES) }), kind: 'behavior: bad type' }),
    () => ({
      ...behavior({ userId: 'u1', type: 'item_view', at: pick(random, ['yesterday', '2026-13-01T00:00:00Z', 12, '']) }),
      kind: 'behavior: bad time',
    }),
    () => ({ ...behavior({ userId: 'u1', type: 'item_view', itemId: pick(random, WRONG_VALUES) }), kind: 'behavior: bad itemId' }),
    () => ({ ...behavior({ userId: 'u1', type: 'item_view', attributes: pick(random, WRONG_OBJECTS) }), kind: 'behavior: bad attributes' }),
    () => ({ kind: 'behavior: not JSON', method: 'POST', path: '/v1/behaviors', body: pick(random, NOT_JSON) }),
    () => ({
      kind: 'redeem: no such asset',
      method: 'POST',
      path: `/v1/assets/${pick(random, ['nope', '00000000-0000-0000-0000-000000000000', 'a'.repeat(201), '%20'])}/redeem`,
      body: '{}',
    }),
    () => ({ kind: 'trace: unknown event', method: 'GET', path: `/v1/events/unknown-${Math.floor(random() * 1e9)}/trace` }),
    () => ({
      kind: 'activity: invalid',
      method: 'PUT',
      path: '/v1/activities/act-1001',
      body: JSON.stringify({ id: 'act-1001', benefit: { stock: -1 } }),
    }),
    () => ({
      kind: 'dead letter: unknown',
      method: 'POST',
      path: '/v1/dead-letters/00000000-0000-0000-0000-000000000000/replay',
      body: '{}',
    }),
  ];
  return Array.from({ length: count }, (_, i) => (makers[i % makers.length] as () => HttpProbe)());
}

/** `count` broker message bodies that do not parse as a behavior message. */
export function malformedMessages(count: number, seed = 12): { kind: string; body: string }[] {
  const random = seededRandom(seed);
  const valid = { channelCode: 'browse_3_items', userId: 'm-user', eventId: 'm-event', payload: { itemIds: ['sku-001'] } };
  const makers: (() => { kind: string; body: string })[] = [
    () => ({ kind: 'not JSON', body: pick(random, NOT_JSON) }),
    () => ({ kind: 'truncated JSON', body: truncatedJson(random, JSON.stringify(valid)) }),
    () => ({ kind: 'not an object', body: JSON.stringify(pick(random, WRONG_OBJECTS)) }),
    () => ({ kind: 'bad channelCode', body: JSON.stringify({ ...valid, channelCode: pick(random, WRONG_VALUES) }) }),
    () => ({ kind: 'bad userId', body: JSON.stringify({ ...valid, userId: pick(random, WRONG_VALUES) }) }),
    () => ({ kind: 'no eventId', body: JSON.stringify({ channelCode: 'browse_3_items', userId: 'm-user' }) }),
    () => ({ kind: 'bad payload', body: JSON.stringify({ ...valid, payload: pick(random, WRONG_OBJECTS) }) }),
    () => ({
      kind: 'bad occurredAt',
      body: JSON.stringify({ ...valid, occurredAt: pick(random, ['yesterday', 12, '2026-02-30T00:00:00']) }),
    }),
    () => ({ kind: 'unknown field', body: JSON.stringify({ ...valid, [`x${Math.floor(random() * 100)}`]: true }) }),
    () => ({ kind: 'empty', body: '' }),
    () => ({
      kind: 'binary noise',
      body: String.fromCharCode(...Array.from({ length: 16 + Math.floor(random() * 64) }, () => 1 + Math.floor(random() * 255))),
    }),
    () => {
      const depth = 33 + Math.floor(random() * 50_000);
      return {
        kind: 'absurdly nested payload',
        body: `{"channelCode":"browse_3_items","userId":"m-user","eventId":"deep","payload":{"a":${'['.repeat(depth)}${']'.repeat(depth)}}}`,
      };
    },
    () => ({
      kind: 'NUL bytes',
      body: `{"channelCode":"browse_3_items","userId":"m\u0000user","eventId":${pick(random, ['1', 'null', '"\u0000"'])}}`,
    }),
  ];
  return Array.from({ length: count }, (_, i) => (makers[i % makers.length] as () => { kind: string; body: string })());
}
