import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { exportEvents } from '../../../event-export.js';
import type { RouteOptions } from '../../http-services.js';
import { exportRoute } from '../../schemas/event-traces.js';

/** `GET /v1/events/export` (admin): recorded events for `strategy-center replay`. */
export const eventExportAdminRoutes: FastifyPluginAsyncZod<RouteOptions> = async (http, { services }) => {
  http.get('/v1/events/export', { schema: exportRoute }, async (request, reply) => {
    const traces = await services.traces.recent(request.query.limit);
    reply.header('content-type', 'application/x-ndjson');
    return exportEvents(traces);
  });
};
