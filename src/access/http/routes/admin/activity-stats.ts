import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { RouteOptions } from '../../http-services.js';
import { activityStatsRoute } from '../../schemas/activity-stats.js';

/** `GET /v1/activities/:activityId/stats` (admin) → service/outcome-stats.ts. */
export const activityStatsAdminRoutes: FastifyPluginAsyncZod<RouteOptions> = async (http, { services }) => {
  http.get('/v1/activities/:activityId/stats', { schema: activityStatsRoute }, async (request) => {
    const { from, to, bucket } = request.query;
    return services.stats.forActivity(request.params.activityId, {
      ...(from === undefined ? {} : { fromMs: Date.parse(from) }),
      ...(to === undefined ? {} : { toMs: Date.parse(to) }),
      ...(bucket === undefined ? {} : { bucket }),
    });
  });
};
