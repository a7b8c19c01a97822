import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { toBehavior } from '../../behavior-body.js';
import type { RouteOptions } from '../http-services.js';
import { behaviorRoute } from '../schemas/behaviors.js';

/** `POST /v1/behaviors` → access/behavior-intake.ts (rule counting, then the broker). */
export const behaviorRoutes: FastifyPluginAsyncZod<RouteOptions> = async (http, { services }) => {
  http.post('/v1/behaviors', { schema: behaviorRoute, config: { scope: 'behaviors:write' } }, async (request, reply) => {
    const result = await services.intake.record(toBehavior(request.body));
    services.metrics.behaviors.inc({ type: request.body.type, fired: String(result.fired.length > 0) });
    return reply.status(202).send(result);
  });
};
