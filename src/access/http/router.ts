import type { FastifyInstance } from 'fastify';
import { protectAdminScope } from './admin-scope.js';
import { protectClientScope } from './client-scope.js';
import type { HttpServices } from './http-services.js';
import { activityAdminRoutes } from './routes/admin/activities.js';
import { activityStatsAdminRoutes } from './routes/admin/activity-stats.js';
import { changeAdminRoutes } from './routes/admin/changes.js';
import { clientAdminRoutes } from './routes/admin/clients.js';
import { deadLetterAdminRoutes } from './routes/admin/dead-letters.js';
import { eventExportAdminRoutes } from './routes/admin/event-export.js';
import { templateAdminRoutes } from './routes/admin/templates.js';
import { assetRoutes } from './routes/assets.js';
import { behaviorBatchRoutes } from './routes/behavior-batch.js';
import { behaviorRoutes } from './routes/behaviors.js';
import { channelEventRoutes } from './routes/channel-events.js';
import { eventTraceRoutes } from './routes/event-traces.js';
import { healthRoutes, metricsRoutes } from './routes/operations.js';
import { userInstanceRoutes } from './routes/user-instances.js';

/**
 * Every route of the API, one plugin per resource. The URL names the file: `/v1/channels/…` is
 * routes/channel-events.ts with its schemas in schemas/channel-events.ts; admin routes live under
 * routes/admin/ and are registered only inside the admin scope, which carries the one admin hook;
 * every other route but `/healthz` (and the contract at `/openapi.json`, `/docs`) is registered in the
 * client scope, whose one hook checks the signed request and the scope the route names.
 */
export function registerRoutes(http: FastifyInstance, services: HttpServices): void {
  const options = { services };
  http.register(healthRoutes, options);

  http.register(async (clients) => {
    await protectClientScope(clients, services.authenticator, services.rateLimits);
    clients.register(channelEventRoutes, options);
    clients.register(behaviorRoutes, options);
    clients.register(behaviorBatchRoutes, options);
    clients.register(userInstanceRoutes, options);
    clients.register(assetRoutes, options);
    clients.register(eventTraceRoutes, options);
  });

  http.register(async (admin) => {
    protectAdminScope(admin, services.authenticator);
    admin.register(metricsRoutes, options);
    admin.register(activityAdminRoutes, options);
    admin.register(activityStatsAdminRoutes, options);
    admin.register(templateAdminRoutes, options);
    admin.register(deadLetterAdminRoutes, options);
    admin.register(changeAdminRoutes, options);
    admin.register(clientAdminRoutes, options);
    admin.register(eventExportAdminRoutes, options);
  });
}
