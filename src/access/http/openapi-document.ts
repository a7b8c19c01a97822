import { buildHttpServer } from './http-server.js';
import type { HttpServices } from './http-services.js';

/**
 * The OpenAPI document exactly as a running server serves it at `/openapi.json`. It depends on the
 * routes and their schemas only, so it is built over services that are never called.
 */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  const unused = new Proxy({} as HttpServices, {
    get: (_target, name) => {
      // The security the routes need is documented whatever the mode; with auth off no hook runs.
      if (name === 'authenticator') return { mode: 'off' };
      if (name === 'rateLimits') return { nameSpace: 'unused' };
      throw new Error(`the OpenAPI document needs no service (asked for ${String(name)})`);
    },
  });
  const http = buildHttpServer(unused);
  try {
    await http.ready();
    return http.swagger() as unknown as Record<string, unknown>;
  } finally {
    await http.close();
  }
}

/** The committed form of the document: stable key order as generated, two-space indent, final newline. */
export function formatOpenApiDocument(document: Record<string, unknown>): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
