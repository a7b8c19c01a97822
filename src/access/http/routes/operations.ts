import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { RouteOptions } from '../http-services.js';
import { healthRoute, metricsRoute } from '../schemas/operations.js';

/** `GET /healthz`: public, for load balancers and orchestrators. */
export const healthRoutes: FastifyPluginAsyncZod<RouteOptions> = async (http, { services }) => {
  http.get('/healthz', { schema: healthRoute }, async () => ({ status: 'ok' as const, backends: services.backends }));
};

/** `GET /metrics`: registered in the admin scope, so Prometheus scrapes with the admin (or read) token. */
export const metricsRoutes: FastifyPluginAsyncZod<RouteOptions> = async (http, { services }) => {
  http.get('/metrics', { schema: metricsRoute }, async (_request, reply) => {
    reply.header('content-type', services.metrics.registry.contentType);
    return services.metrics.registry.metrics();
  });
};
