import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { RouteOptions } from '../http-services.js';
import { healthRoute, metricsRoute } from '../schemas/operations.js';

/** `GET /healthz`, `GET /metrics`. */
export const operationRoutes: FastifyPluginAsyncZod<RouteOptions> = async (http, { services }) => {
  http.get('/healthz', { schema: healthRoute }, async () => ({ status: 'ok' as const, backends: services.backends }));

  http.get('/metrics', { schema: metricsRoute }, async (_request, reply) => {
    reply.header('content-type', services.metrics.registry.contentType);
    return services.metrics.registry.metrics();
  });
};
