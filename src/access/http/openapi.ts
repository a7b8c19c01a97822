import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { ADMIN_SECURITY, CLIENT_SECURITY } from './security-schemes.js';

const DESCRIPTION = `The public contract of strategy-center. Every error answers
\`{ "error": { "code", "message", "details": [{ "path", "message" }] } }\` with the path of each bad field
(\`body.userId\`, \`query.now\`, \`body.benefit.stock\`). With auth on, every route but
\`/healthz\` needs a signed request from a client holding the route's scope (see the signedRequest
security scheme); admin routes also take \`Authorization: Bearer <ADMIN_TOKEN>\` (or ADMIN_READ_TOKEN for
reads). On the embedded default (loopback, auth off) the API is open.`;

/**
 * The OpenAPI 3.1 document, generated from the schemas in the route options, at `/openapi.json`,
 * and a readable page at `/docs` whose assets are served by this process (no CDN: it works
 * offline). Registered before the routes, so that it sees every one of them.
 */
export function registerOpenApi(http: FastifyInstance, version: string): void {
  http.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'strategy-center', version, description: DESCRIPTION },
      tags: [
        { name: 'events', description: 'events on channels and user behaviors' },
        { name: 'users', description: 'what users hold, and why' },
        { name: 'admin', description: 'activities, templates, dead letters, the change log (bearer token)' },
        { name: 'operations', description: 'health and metrics' },
      ],
      components: {
        securitySchemes: {
          [ADMIN_SECURITY]: {
            type: 'http',
            scheme: 'bearer',
            description: 'ADMIN_TOKEN (every admin act) or ADMIN_READ_TOKEN (admin reads and /metrics)',
          },
          [CLIENT_SECURITY]: {
            type: 'apiKey',
            in: 'header',
            name: 'X-SC-Signature',
            description:
              'A signed request (with auth on): X-SC-Client, X-SC-Timestamp (unix seconds), X-SC-Nonce and X-SC-Signature: v1=<hex HMAC-SHA256 of "v1:{timestamp}:{nonce}:{METHOD}:{path with query}:{hex sha256 of the raw body}" under the client secret>. Accepted within 300 s, each nonce once. The client needs the scope the route names (events:<channelCode>, behaviors:write, users:read, assets:redeem, traces:read, admin:read, admin:write).',
          },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: (document) => withoutUnusedSchemas(jsonSchemaTransformObject(document) as Record<string, unknown>) as never,
  });
  http.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    uiConfig: { docExpansion: 'list', deepLinking: true },
    theme: { title: 'strategy-center API' },
  });
  http.get('/openapi.json', { schema: { hide: true } }, async () => http.swagger());
}

/**
 * Every named schema is emitted twice, as read and as written (`Asset`, `AssetInput`); the twins no
 * route reaches (directly or through another schema) only clutter the page, so they are dropped.
 */
function withoutUnusedSchemas(document: Record<string, unknown>): Record<string, unknown> {
  const components = (document.components ?? {}) as { schemas?: Record<string, unknown> };
  const schemas: Record<string, unknown> = { ...components.schemas };
  const refs = (value: unknown) => [...JSON.stringify(value).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1] as string);
  const reached = new Set<string>();
  const pending = refs({ ...document, components: { ...components, schemas: {} } });
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (reached.has(name)) continue;
    reached.add(name);
    pending.push(...refs(schemas[name] ?? {}));
  }
  const used = Object.fromEntries(Object.entries(schemas).filter(([name]) => reached.has(name)));
  return { ...document, components: { ...components, schemas: used } };
}
