import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RequestAuthenticator } from '../auth/request-authenticator.js';
import { type RateLimitStore, registerClientRateLimits, userOf } from './client-rate-limits.js';
import { hashBodyAsItArrives, resolveScope, signedRequestOf } from './request-credentials.js';
import { errorResponses } from './schemas/common.js';
import { ADMIN_SECURITY, CLIENT_SECURITY } from './security-schemes.js';

/**
 * Makes `scope` the client scope: every route registered in it must name the scope it needs
 * (`config.scope`) or the server refuses to start, and one `preValidation` hook — after the body is
 * read and hashed, before it is validated, so an unauthenticated caller learns nothing of the
 * schema — checks the signature, the scope and the client's rate limits. With auth off the routes are open and no hook runs.
 */
export async function protectClientScope(
  scope: FastifyInstance,
  authenticator: RequestAuthenticator,
  rateLimits: RateLimitStore,
): Promise<void> {
  scope.addHook('onRoute', (route) => {
    if (route.config?.scope === undefined) {
      throw new Error(`route ${String(route.method)} ${route.url} names no scope (config.scope): every client route must`);
    }
    route.schema = {
      ...route.schema,
      security: [{ [CLIENT_SECURITY]: [] }, { [ADMIN_SECURITY]: [] }],
      response: { ...(route.schema?.response as object | undefined), ...errorResponses(401, 403, 429) },
    };
  });
  if (authenticator.mode === 'off') return;
  const withinRateLimit = await registerClientRateLimits(scope, rateLimits);
  scope.addHook('preParsing', hashBodyAsItArrives);
  scope.addHook('preValidation', async (request: FastifyRequest) => {
    const { config } = request.routeOptions;
    const needed = resolveScope(config.scope as NonNullable<typeof config.scope>, request.params);
    const caller = await authenticator.client(signedRequestOf(request), needed);
    request.caller = caller;
    if (caller.kind === 'client') await withinRateLimit(request, caller.client, config.limitPerUser ? (userOf(request) ?? '') : undefined);
  });
}
