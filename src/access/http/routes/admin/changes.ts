import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { RouteOptions } from '../../http-services.js';
import { listChangesRoute } from '../../schemas/changes.js';

/** `GET /v1/changes` (admin) → the change log. */
export const changeAdminRoutes: FastifyPluginAsyncZod<RouteOptions> = async (http, { services }) => {
  http.get('/v1/changes', { schema: listChangesRoute }, async (request) => ({
    changes: [...(await services.changeLog.list(request.query))],
  }));
};
