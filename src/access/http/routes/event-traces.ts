import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { NotFoundError } from '../../../domain/errors.js';
import { withStepWallTimes } from '../../../domain/trace.js';
import type { RouteOptions } from '../http-services.js';
import { traceRoute } from '../schemas/event-traces.js';
import { recentEventsRoute } from '../schemas/recent-events.js';

/**
 * `GET /v1/events/:eventId/trace` → the trace store, `GET /v1/events/recent` → the recent-event list
 * (the export of every event is an admin route).
 */
export const eventTraceRoutes: FastifyPluginAsyncZod<RouteOptions> = async (http, { services }) => {
  http.get('/v1/events/:eventId/trace', { schema: traceRoute, config: { scope: 'traces:read' } }, async (request) => {
    const { eventId } = request.params;
    const chains = await services.traces.byEvent(eventId);
    if (chains.length === 0) throw new NotFoundError('event trace', eventId);
    return { eventId, chains: chains.map(withStepWallTimes) };
  });

  http.get('/v1/events/recent', { schema: recentEventsRoute, config: { scope: 'traces:read' } }, async (request) => {
    const { channel, status, limit } = request.query;
    const events = await services.recentEvents.recent({
      limit,
      ...(channel === undefined ? {} : { channelCode: channel }),
      ...(status === undefined ? {} : { status }),
    });
    return { events: [...events] };
  });
};
