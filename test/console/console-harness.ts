/// <reference lib="dom" />
// page.evaluate callbacks run in the browser: they name its globals.
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { CONSOLE_DIR } from '../../src/access/http/console.js';
import { type RunningApi, startApi } from '../support/sample-app.js';

export const ADMIN_TOKEN = 'console-admin-token-0123456789';
export const READ_TOKEN = 'console-read-token-0123456789';
export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = resolve(import.meta.dirname, '../../test-output/console');

/** Debian's chromium, headless, with nothing in the background that could reach the network. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)`);
  if (!existsSync(join(CONSOLE_DIR, 'index.html'))) throw new Error(`${CONSOLE_DIR} is missing: run npm run build first`);
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** The whole product on an ephemeral port, its admin routes behind the two operator tokens. */
export async function startConsoleApi(): Promise<RunningApi & { as: (token: string) => Caller }> {
  const api = await startApi({ env: { ADMIN_TOKEN, ADMIN_READ_TOKEN: READ_TOKEN } });
  return { ...api, as: (token) => caller(api.url, token) };
}

export type Caller = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;

function caller(url: string, token: string): Caller {
  return async (method, path, body) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
}

/** A fresh tab (its own sessionStorage) signed in with `token`, at `width`×`height`. */
export async function signedInPage(browser: Browser, url: string, token: string, width = 1280, height = 800): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  await page.goto(`${url}/console/`);
  await page.getByLabel('Admin token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'pages' }).waitFor();
  return page;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** True when the page is wider than its viewport: the narrow-screen failure a phone user sees. */
export function overflowsHorizontally(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
}

/** Polls `read` until `accept` holds (outside a test, where expect.poll is not allowed). */
export async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
