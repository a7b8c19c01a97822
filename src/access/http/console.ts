import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/**
 * `npm run build` bundles console/ into dist/console; the path is the same from src/ (tests) and
 * dist/ (the served build), both two folders below the package root's access/http.
 */
export const CONSOLE_DIR = fileURLToPath(new URL('../../../dist/console', import.meta.url));

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Console not built</title>
<p>The console has not been built: run <code>npm run build</code> and restart.</p>`;

/**
 * The operators' console at `/console`: static files, public like `/docs`, because every piece of
 * data it shows comes from the JSON API, which asks the operator's token itself.
 */
export function registerConsole(http: FastifyInstance, directory: string = CONSOLE_DIR): void {
  if (!existsSync(directory)) {
    const notBuilt = { schema: { hide: true } };
    http.get('/console', notBuilt, (_request, reply) => reply.type('text/html').send(NOT_BUILT));
    http.get('/console/*', notBuilt, (_request, reply) => reply.type('text/html').send(NOT_BUILT));
    return;
  }
  http.register(fastifyStatic, {
    root: directory,
    prefix: '/console/',
    // Hashed asset names change with every build; only the page itself must never be stale.
    setHeaders: (reply, path) => {
      reply.header('cache-control', path.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable');
    },
    // The swagger UI registers its own @fastify/static; this instance must not claim `sendFile` too.
    decorateReply: false,
  });
  http.get('/console', { schema: { hide: true } }, (_request, reply) => reply.redirect('/console/'));
}
