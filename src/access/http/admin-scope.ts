import type { FastifyInstance, FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../../domain/errors.js';
import { errorResponses } from './schemas/common.js';

/** The OpenAPI security scheme of the admin routes. */
export const ADMIN_SECURITY = 'adminToken';

/**
 * Makes `scope` (an encapsulated fastify context) the admin scope: one `onRequest` hook refuses a
 * request without `Authorization: Bearer <token>` before routing reaches any handler, and every
 * route registered in it is documented as needing the token. A route outside this scope is public,
 * and the route test enumerates every route against the list of public ones. With no token set
 * the admin routes are open (the embedded default).
 */
export function protectAdminScope(scope: FastifyInstance, token: string | undefined): void {
  scope.addHook('onRoute', (route) => {
    route.schema = {
      ...route.schema,
      security: [{ [ADMIN_SECURITY]: [] }],
      response: { ...(route.schema?.response as object | undefined), ...errorResponses(401) },
    };
  });
  scope.addHook('onRequest', async (request: FastifyRequest) => {
    if (token === undefined) return;
    if (request.headers.authorization !== `Bearer ${token}`) throw new UnauthorizedError();
  });
}
