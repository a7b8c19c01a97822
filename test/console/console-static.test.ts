import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { serveBanner } from '../../src/access/cli/serve-banner.js';
import { registerConsole } from '../../src/access/http/console.js';
import { createApp } from '../../src/app/create-app.js';
import { sampleConfigFile } from '../support/sample-app.js';

describe('the console files', () => {
  it('are served under /console/ with the page never cached and hashed assets cached for good', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'sc-console-'));
    writeFileSync(join(directory, 'index.html'), '<div id="app"></div>');
    writeFileSync(join(directory, 'app-abc123.js'), 'console.log(1)');
    const http = Fastify();
    registerConsole(http, directory);
    const page = await http.inject({ url: '/console/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toBe('no-cache');
    expect((await http.inject({ url: '/console/app-abc123.js' })).headers['cache-control']).toContain('immutable');
    expect((await http.inject({ url: '/console' })).headers.location).toBe('/console/');
    await http.close();
  });

  it('say how to build them when the build is missing, instead of a bare 404', async () => {
    const http = Fastify();
    registerConsole(http, join(tmpdir(), 'sc-console-never-built'));
    const page = await http.inject({ url: '/console/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('npm run build');
    await http.close();
  });

  it('are announced by the startup banner, with the token to sign in with', async () => {
    for (const [env, hint] of [
      [{ ADMIN_TOKEN: 'a-token', ADMIN_READ_TOKEN: 'r-token' }, 'sign in with ADMIN_TOKEN'],
      [{}, 'no admin token set: sign in with an empty token'],
    ] as const) {
      const app = await createApp({ configPath: sampleConfigFile(), env });
      const banner = await serveBanner(app, 'http://127.0.0.1:3000', false);
      await app.close();
      expect(banner).toContain(`Console:  http://127.0.0.1:3000/console/ (${hint}`);
    }
  });
});
