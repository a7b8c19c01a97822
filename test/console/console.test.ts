/// <reference lib="dom" />

import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  type Caller,
  CHROMIUM,
  eventually,
  launchChromium,
  overflowsHorizontally,
  READ_TOKEN,
  screenshot,
  signedInPage,
  startConsoleApi,
} from './console-harness.js';

const ACTIVITY = 'act-1001';

let api: Awaited<ReturnType<typeof startConsoleApi>>;
let admin: Caller;
let browser: Browser;
let assetId: string;
let statsServed: boolean;

/** The sample play through the API: three item views prepare an offer, the banner click issues it. */
async function runSamplePlay(userId: string): Promise<string> {
  for (const itemId of ['sku-001', 'sku-002', 'sku-003']) {
    expect((await admin('POST', '/v1/behaviors', { userId, type: 'item_view', itemId })).status).toBe(202);
  }
  await eventually(
    async () => (await admin('GET', `/v1/activities/${ACTIVITY}/users/${userId}`)).body.prepared,
    (prepared) => Boolean(prepared),
  );
  const click = await admin('POST', '/v1/channels/home_banner/events', { userId, eventId: `click-${userId}` });
  expect(click.body.outcomes[0]).toMatchObject({ activityId: ACTIVITY, status: 'issued' });
  return click.body.outcomes[0].asset.id as string;
}

/** Without Debian's chromium the browser tests skip on a developer's machine; under CI=true they fail. */
const browserMissing = !existsSync(CHROMIUM) && process.env.CI !== 'true';

beforeAll(async () => {
  if (browserMissing) return;
  [api, browser] = await Promise.all([startConsoleApi(), launchChromium()]);
  admin = api.as(ADMIN_TOKEN);
  assetId = await runSamplePlay('u1');
  statsServed = (await admin('GET', `/v1/activities/${ACTIVITY}/stats`)).status === 200;
});

afterAll(async () => {
  await browser?.close();
  await api?.close();
});

async function open(page: Page, hash: string): Promise<void> {
  await page.evaluate((target) => {
    location.hash = target;
  }, hash);
}

describe.skipIf(browserMissing)('the console in a real browser', () => {
  it('is served at /console as static files without a token, and the data needs one', async () => {
    const page = await fetch(`${api.url}/console/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app">');
    expect((await fetch(`${api.url}/console`, { redirect: 'manual' })).status).toBe(302);
    expect((await fetch(`${api.url}/v1/activities`)).status).toBe(401);
  });

  it('shows the sample play run through the API: the activity, its stock and stats, the issued coupon', async () => {
    const page = await signedInPage(browser, api.url, ADMIN_TOKEN);
    const card = page.locator(`[data-activity="${ACTIVITY}"]`);
    await card.waitFor();
    await expect.poll(() => card.textContent()).toContain('item-promotion@3.0');
    if (statsServed) {
      await expect.poll(() => card.getByTestId('outcomes').textContent()).toMatch(/1 issued/);
      await expect.poll(() => card.getByRole('meter', { name: 'stock remaining' }).getAttribute('value')).toBe('999');
    } else {
      // Without the stats route the page says so and still shows the stock it knows.
      await expect.poll(() => page.getByTestId('not-available').textContent()).toContain('not available');
      expect(await card.textContent()).toContain('1,000 in total');
    }
    await screenshot(page, 'activities-1280');

    await open(page, `#/users/${ACTIVITY}/u1`);
    const asset = page.locator(`[data-asset="${assetId}"]`);
    await expect.poll(() => asset.textContent()).toContain('active');
    expect(await page.getByTestId('summary').textContent()).not.toBe('');
    await screenshot(page, 'user-issued-1280');

    // Redeem from the console: the API sees the asset redeemed.
    await asset.getByRole('button', { name: 'Redeem' }).click();
    await expect.poll(() => asset.textContent()).toContain('redeemed');
    const held = await admin('GET', `/v1/activities/${ACTIVITY}/users/u1`);
    expect(held.body.assets.find((entry: { id: string }) => entry.id === assetId)?.status).toBe('redeemed');

    await open(page, `#/events/click-u1`);
    await page.locator('.waterfall li.decided').first().waitFor();
    expect(await page.locator('.waterfall li').count()).toBeGreaterThanOrEqual(4);
    await screenshot(page, 'events-trace-1280');
    await page.context().close();
  });

  it('changes a rollout with a confirmation, live in the API, and rolls it back in one click', async () => {
    const page = await signedInPage(browser, api.url, ADMIN_TOKEN);
    await open(page, `#/activities/${ACTIVITY}`);
    await page.getByLabel('Template version').selectOption('item-promotion@2.0');
    await page.getByLabel('Percent of users').fill('30');
    await page.getByRole('button', { name: 'Apply rollout…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Change the rollout?' });
    await dialog.waitFor();
    await screenshot(page, 'activity-rollout-confirm-1280');
    // Nothing changes before the confirmation.
    expect((await admin('GET', '/v1/activities')).body.activities[0].rollout).toBeUndefined();
    await dialog.getByRole('button', { name: 'Roll out' }).click();
    await expect
      .poll(async () => (await admin('GET', '/v1/activities')).body.activities.find((a: { id: string }) => a.id === ACTIVITY).rollout)
      .toEqual({ template: { id: 'item-promotion', version: '2.0' }, percent: 30 });
    await expect.poll(() => page.getByTestId('rollout-now').textContent()).toContain('30% of users');
    // The change history shows the rollout as a before/after diff.
    const latest = page.locator('.changes li').first();
    await latest.locator('summary').click();
    await expect.poll(() => latest.locator('.diff').textContent()).toContain('rollout.percent');
    await screenshot(page, 'activity-1280');

    await page.getByRole('button', { name: 'Roll back' }).click();
    await expect
      .poll(async () => (await admin('GET', '/v1/activities')).body.activities.find((a: { id: string }) => a.id === ACTIVITY).rollout)
      .toBeUndefined();

    // Pause and resume go through the activity PUT: the API sees each.
    await page.getByRole('button', { name: 'Pause activity' }).click();
    await expect.poll(async () => (await admin('GET', '/v1/activities')).body.activities[0].status).toBe('paused');
    await page.getByRole('button', { name: 'Resume activity' }).click();
    await expect.poll(async () => (await admin('GET', '/v1/activities')).body.activities[0].status).toBe('active');
    await page.context().close();
  });

  it('replays a dead letter from the console, and the consumer takes it', async () => {
    // What the consumer records when a valid message kept failing downstream (the fault is gone now).
    const message = {
      channelCode: 'browse_3_items',
      userId: 'dead-u1',
      eventId: 'dead-e1',
      payload: { itemIds: ['sku-001', 'sku-002', 'sku-003'] },
    };
    const letter = await api.app.deadLetters.add({
      body: JSON.stringify(message),
      reason: `failed after 5 attempts: ${ACTIVITY}: store-prepared: downstream unavailable`,
      attempts: 5,
      source: 'behaviors',
    });
    const page = await signedInPage(browser, api.url, ADMIN_TOKEN);
    await open(page, '#/dead-letters');
    const card = page.locator(`[data-letter="${letter.id}"]`);
    await expect.poll(() => card.textContent()).toContain('downstream unavailable');
    await card.getByRole('checkbox').check();
    await screenshot(page, 'dead-letters-1280');
    await page.getByRole('button', { name: 'Replay selected (1)' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain(`${letter.id}: replayed`);
    await expect
      .poll(async () => (await admin('GET', `/v1/activities/${ACTIVITY}/users/dead-u1`)).body.prepared?.eventId, { timeout: 10_000 })
      .toBe('dead-e1');
    expect((await admin('GET', '/v1/dead-letters')).body.deadLetters.map((entry: { id: string }) => entry.id)).not.toContain(letter.id);
    await page.context().close();
  });

  it('explains a rejected user by naming the deciding processor, and dry-runs an event', async () => {
    const click = await admin('POST', '/v1/channels/home_banner/events', { userId: 'no-offer', eventId: 'click-no-offer' });
    expect(click.body.outcomes[0].status).toBe('rejected');
    const explained = await admin('GET', `/v1/activities/${ACTIVITY}/users/no-offer/explain`);
    const processor = explained.body.events[0].decidedBy.processor as string;

    const page = await signedInPage(browser, api.url, ADMIN_TOKEN);
    await open(page, '#/users');
    await page.getByLabel('Activity').selectOption(ACTIVITY);
    await page.getByLabel('User id').fill('no-offer');
    await page.getByRole('button', { name: 'Explain' }).click();
    const decided = page.getByTestId('decided-by').first();
    await expect.poll(() => decided.textContent()).toContain(`Decided by ${processor}`);
    expect(await decided.textContent()).toContain(explained.body.events[0].decidedBy.reason ?? 'rejected');
    await screenshot(page, 'user-rejected-1280');

    await open(page, '#/templates');
    await page.getByLabel('Channel').selectOption('home_banner');
    await page.getByLabel('User id').fill('u1');
    await page.getByLabel('Evaluate as of (ISO time, empty for now)').fill('2026-12-24T18:00:00Z');
    await page.getByRole('button', { name: 'Dry-run' }).click();
    const answer = page.getByTestId('dry-run-answer');
    await expect.poll(() => answer.textContent()).toContain(ACTIVITY);
    expect(await answer.locator('.waterfall').count()).toBeGreaterThanOrEqual(1);
    await screenshot(page, 'templates-dry-run-1280');
    await page.context().close();
  });

  it('draws the analytics contract (stats, recent events, step offsets) as the analytics API answers it', async () => {
    // The contract of GET /v1/activities/:id/stats, /v1/events/recent and the trace's step offsets,
    // answered in the browser so the drawing is checked whichever server this branch runs against.
    const hour = (n: number) => new Date(Date.UTC(2026, 11, 5, n)).toISOString();
    const stats = {
      activityId: ACTIVITY,
      from: hour(0),
      to: hour(6),
      bucket: 'hour',
      totals: { issued: 960, redeemed: 240, expired: 12, rejected: { 'per-user limit reached': 31 }, redemptionRate: 0.25 },
      versions: [
        { templateId: 'item-promotion', version: '3.0', issued: 800, redeemed: 220, expired: 10, rejected: 25, redemptionRate: 0.275 },
        { templateId: 'item-promotion', version: '2.0', issued: 160, redeemed: 20, expired: 2, rejected: 6, redemptionRate: 0.125 },
      ],
      stock: { total: 1000, remaining: 40 },
      series: [0, 1, 2, 3, 4, 5].map((n) => ({ at: hour(n), issued: 160, redeemed: 40 })),
    };
    const recent = {
      events: [
        {
          eventId: 'live-1',
          channelCode: 'home_banner',
          userId: 'u7',
          activityIds: [ACTIVITY],
          status: 'issued',
          receivedAt: hour(5),
          durationMs: 4.2,
        },
        {
          eventId: 'live-2',
          channelCode: 'home_banner',
          userId: 'u8',
          activityIds: [ACTIVITY],
          status: 'rejected',
          receivedAt: hour(5),
          durationMs: 1.1,
        },
      ],
    };
    const trace = {
      eventId: 'live-1',
      chains: [
        {
          eventId: 'live-1',
          channelCode: 'home_banner',
          activityId: ACTIVITY,
          userId: 'u7',
          template: 'item-promotion@3.0',
          startedAt: hour(5),
          durationMs: 10,
          status: 'issued',
          decidedBy: 'send-benefit',
          steps: [
            { processor: 'check-event', status: 'ran', durationMs: 2, startedAt: hour(5), offsetMs: 0 },
            { processor: 'send-benefit', status: 'ran', durationMs: 5, startedAt: hour(5), offsetMs: 4 },
          ],
        },
      ],
    };
    const page = await signedInPage(browser, api.url, READ_TOKEN);
    const recentQueries: string[] = [];
    await page.route(/\/v1\/activities\/[^/]+\/stats/, (route) => route.fulfill({ json: stats }));
    await page.route(/\/v1\/events\/recent/, (route) => {
      recentQueries.push(new URL(route.request().url()).search);
      return route.fulfill({ json: recent });
    });
    await page.route(/\/v1\/events\/live-1\/trace/, (route) => route.fulfill({ json: trace }));
    await page.reload();

    const card = page.locator(`[data-activity="${ACTIVITY}"]`);
    await expect.poll(() => card.getByTestId('outcomes').textContent()).toContain('960 issued');
    expect(await card.textContent()).toContain('low stock');
    expect(await card.getByRole('meter', { name: 'stock remaining' }).getAttribute('value')).toBe('40');
    await screenshot(page, 'activities-stats-1280');

    await open(page, `#/activities/${ACTIVITY}`);
    await page.getByRole('img', { name: /Burn-down/ }).waitFor();
    expect(await page.locator('.chart .redeemed').count()).toBe(6);
    expect(await page.getByRole('row', { name: /item-promotion@2\.0/ }).textContent()).toContain('13%');
    await screenshot(page, 'activity-stats-1280');

    await open(page, '#/events');
    await page.getByRole('link', { name: 'live-2' }).waitFor();
    await page.getByLabel('Status').selectOption('rejected');
    await expect.poll(() => recentQueries.at(-1)).toContain('status=rejected');
    // Polled every 2 s.
    const polled = recentQueries.length;
    await expect.poll(() => recentQueries.length, { timeout: 5_000 }).toBeGreaterThan(polled);
    await page.getByRole('link', { name: 'live-1' }).click();
    const steps = page.locator('.waterfall li .span');
    await expect.poll(() => steps.count()).toBe(2);
    // The second step starts at 4 of 10 ms: the offsets place it, not the sum of durations.
    expect(await steps.nth(1).evaluate((element) => (element as HTMLElement).style.left)).toBe('40%');
    await screenshot(page, 'events-live-1280');
    await page.context().close();
  });

  it('a read-only sign-in shows no write control', async () => {
    const page = await signedInPage(browser, api.url, READ_TOKEN);
    await expect.poll(() => page.locator('.who').textContent()).toContain('read-only');
    await open(page, `#/activities/${ACTIVITY}`);
    await page.getByRole('heading', { name: 'Rollout' }).waitFor();
    await page.getByRole('heading', { name: 'Change history' }).waitFor();
    await open(page, `#/users/${ACTIVITY}/u1`);
    await page.getByTestId('summary').waitFor();
    await open(page, '#/dead-letters');
    await page.getByRole('heading', { name: 'Dead letters' }).waitFor();
    await page.getByLabel('Show replayed letters too').check();
    await page.locator('[data-letter]').first().waitFor();
    for (const hash of [`#/activities/${ACTIVITY}`, `#/users/${ACTIVITY}/u1`, '#/dead-letters']) {
      await open(page, hash);
      await page.locator('main h1').waitFor();
      for (const name of [/pause/i, /resume/i, /apply rollout/i, /roll back/i, /redeem/i, /replay/i]) {
        expect(await page.getByRole('button', { name }).count(), `${hash} ${name}`).toBe(0);
      }
    }
    await screenshot(page, 'dead-letters-read-only-1280');
    await page.context().close();
  });

  it('fits a 390 px wide screen: no page overflows horizontally', async () => {
    const page = await signedInPage(browser, api.url, ADMIN_TOKEN, 390, 844);
    const pages = {
      activities: '#/activities',
      activity: `#/activities/${ACTIVITY}`,
      user: `#/users/${ACTIVITY}/u1`,
      events: '#/events/click-u1',
      'dead-letters': '#/dead-letters',
      templates: '#/templates',
    };
    for (const [name, hash] of Object.entries(pages)) {
      await open(page, hash);
      await page.locator('main h1').waitFor();
      await page.waitForLoadState('networkidle');
      await screenshot(page, `${name}-390`);
      expect(await overflowsHorizontally(page), `${name} at 390 px`).toBe(false);
    }
    await page.context().close();
  });

  it('is keyboard reachable: Tab moves through real links and buttons with a visible focus', async () => {
    const page = await signedInPage(browser, api.url, ADMIN_TOKEN);
    await page.locator(`[data-activity="${ACTIVITY}"] a`).waitFor();
    const reached: { element: string; outline: string }[] = [];
    for (let index = 0; index < 7; index++) {
      await page.keyboard.press('Tab');
      reached.push(
        await page.evaluate(() => {
          const active = document.activeElement as HTMLElement;
          return { element: `${active.tagName}:${active.textContent?.trim()}`, outline: getComputedStyle(active).outlineStyle };
        }),
      );
    }
    expect(reached.map((entry) => entry.element)).toEqual(
      expect.arrayContaining(['A:Activities', 'A:Dead letters', 'BUTTON:Sign out', 'A:Browse three items, get 10% off one of them']),
    );
    // Every element reached by the keyboard shows where the focus is.
    expect(reached.filter((entry) => entry.outline === 'none')).toEqual([]);
    await page.context().close();
  });
});
