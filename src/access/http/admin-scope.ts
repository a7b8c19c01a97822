import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RequestAuthenticator } from '../auth/request-authenticator.js';
import { hashBodyAsItArrives, signedRequestOf } from './request-credentials.js';
import { errorResponses } from './schemas/common.js';
import { ADMIN_SECURITY, CLIENT_SECURITY } from './security-schemes.js';

const READS = new Set(['GET', 'HEAD']);

/**
 * Makes `scope` (an encapsulated fastify context) the admin scope: one hook refuses, before any
 * handler runs, a request that is not an admin act of its caller — reads need `admin:read` (the
 * read-only token, or a client with the scope), everything else `admin:write` (the admin token, or
 * a client with the scope). Every route registered in it is documented as needing them. With auth
 * off and no token configured the admin routes are open (the embedded default).
 */
export function protectAdminScope(scope: FastifyInstance, authenticator: RequestAuthenticator): void {
  scope.addHook('onRoute', (route) => {
    route.schema = {
      ...route.schema,
      security: [{ [ADMIN_SECURITY]: [] }, { [CLIENT_SECURITY]: [] }],
      response: { ...(route.schema?.response as object | undefined), ...errorResponses(401, 403) },
    };
  });
  if (authenticator.mode === 'on') scope.addHook('preParsing', hashBodyAsItArrives);
  scope.addHook('preValidation', async (request: FastifyRequest) => {
    request.caller = await authenticator.admin(signedRequestOf(request), READS.has(request.method) ? 'admin:read' : 'admin:write');
  });
}
