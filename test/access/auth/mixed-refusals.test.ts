import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { signRequestHeaders } from '../../../src/access/auth/sign-request-headers.js';
import { MAX_CLOCK_SKEW_S } from '../../../src/access/auth/verify-signed-request.js';
import { buildHttpServer } from '../../../src/access/http/http-server.js';
import { type App, createApp } from '../../../src/app/create-app.js';
import { sampleConfigFile } from '../../support/sample-app.js';

const SECRET = 'web-bff-secret-0123456789';
const PER_KIND = 200;
const CLICK_PATH = '/v1/channels/home_banner/events';
const OTHER_CHANNEL_PATH = '/v1/channels/browse_3_items/events';

let app: App;
let http: FastifyInstance;
let url: string;

beforeAll(async () => {
  const config = sampleConfigFile((file) => {
    Object.assign(file, {
      auth: 'on',
      clients: [{ id: 'web-bff', secretEnv: 'WEB_BFF_SECRET', scopes: ['events:home_banner', 'users:read'] }],
    });
  });
  app = await createApp({ configPath: config, env: { WEB_BFF_SECRET: SECRET } });
  await app.startConsuming();
  http = buildHttpServer(app);
  url = await http.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await http?.close();
  await app?.close();
});

interface Attempt {
  readonly expected: { readonly status: number; readonly code: string };
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

function signed(path: string, body: string, options: { secret?: string; nowMs?: number; nonce?: string } = {}): Record<string, string> {
  return signRequestHeaders({
    clientId: 'web-bff',
    secrets: [options.secret ?? SECRET],
    method: 'POST',
    pathWithQuery: path,
    body,
    ...(options.nowMs === undefined ? {} : { nowMs: options.nowMs }),
    ...(options.nonce === undefined ? {} : { nonce: options.nonce }),
  });
}

/** Five kinds of bad request, PER_KIND of each, every one for a user of its own (so none could issue anything). */
function attempts(): { attempts: Attempt[]; replays: Attempt[] } {
  const all: Attempt[] = [];
  const replays: Attempt[] = [];
  for (let i = 0; i < PER_KIND; i++) {
    const body = (kind: string) => JSON.stringify({ userId: `refused-${kind}-${i}`, eventId: `refused-${kind}-${i}` });
    const forged = body('forged');
    all.push({
      expected: { status: 401, code: 'bad_signature' },
      path: CLICK_PATH,
      body: forged,
      headers: signed(CLICK_PATH, forged, { secret: 'a-guessed-secret-of-some-length' }),
    });
    const tampered = body('tampered');
    all.push({
      expected: { status: 401, code: 'bad_signature' },
      path: CLICK_PATH,
      body: tampered,
      headers: signed(CLICK_PATH, body('other')),
    });
    const expired = body('expired');
    const skewMs = (MAX_CLOCK_SKEW_S + 1 + i) * 1000;
    all.push({
      expected: { status: 401, code: 'expired' },
      path: CLICK_PATH,
      body: expired,
      headers: signed(CLICK_PATH, expired, { nowMs: Date.now() - skewMs }),
    });
    const wrongScope = body('scope');
    all.push({
      expected: { status: 403, code: 'forbidden_scope' },
      path: OTHER_CHANNEL_PATH,
      body: wrongScope,
      headers: signed(OTHER_CHANNEL_PATH, wrongScope),
    });
    // Sent once on purpose (accepted: a click of a user who has not browsed is `rejected`), then replayed.
    const replayed = body('replayed');
    replays.push({ expected: { status: 401, code: 'replayed' }, path: CLICK_PATH, body: replayed, headers: signed(CLICK_PATH, replayed) });
  }
  return { attempts: all, replays };
}

async function send(attempt: Attempt): Promise<{ status: number; code: string | undefined }> {
  const response = await fetch(`${url}${attempt.path}`, {
    method: 'POST',
    headers: { ...attempt.headers, 'content-type': 'application/json' },
    body: attempt.body,
  });
  const answer = (await response.json()) as { error?: { code?: string } };
  return { status: response.status, code: answer.error?.code };
}

it(`refuses ${PER_KIND * 5} forged, tampered, expired, wrong-scope and replayed requests, each with its code, and none has an effect`, async () => {
  const { attempts: bad, replays } = attempts();
  for (const first of replays) expect((await send(first)).status).toBe(200);
  const all = [...bad, ...replays];
  const answers: { status: number; code: string | undefined }[] = [];
  // 50 in flight at a time, the kinds interleaved.
  for (let start = 0; start < all.length; start += 50) {
    answers.push(...(await Promise.all(all.slice(start, start + 50).map(send))));
  }
  const wrong = all
    .map((attempt, index) => ({ expected: attempt.expected, got: answers[index] }))
    .filter(({ expected, got }) => got?.status !== expected.status || got.code !== expected.code);
  expect(wrong.slice(0, 5)).toEqual([]);
  const byCode = new Map<string, number>();
  for (const answer of answers) byCode.set(String(answer.code), (byCode.get(String(answer.code)) ?? 0) + 1);
  expect(Object.fromEntries(byCode)).toEqual({
    bad_signature: 2 * PER_KIND,
    expired: PER_KIND,
    forbidden_scope: PER_KIND,
    replayed: PER_KIND,
  });
  // Nothing refused reached the engine: no trace for any refused event id.
  for (const kind of ['forged', 'tampered', 'expired', 'scope']) {
    expect(await app.traces.byEvent(`refused-${kind}-0`)).toEqual([]);
  }
});
