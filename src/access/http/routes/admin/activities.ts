import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { compileActivity } from '../../../../config/compile-config.js';
import { checkIdMatchesPath } from '../../../../config/declaration-checks.js';
import { InvalidInputError } from '../../../../domain/errors.js';
import { parseTemplateRef, type TemplateRef } from '../../../../domain/template-ref.js';
import type { RouteOptions } from '../../http-services.js';
import { requestActor } from '../../request-actor.js';
import { listActivitiesRoute, putActivityRoute, rollBackRoute, rollOutRoute } from '../../schemas/activities.js';

/** `/v1/activities` (admin) → service/activity-admin.ts, which checks window and references like the file does. */
export const activityAdminRoutes: FastifyPluginAsyncZod<RouteOptions> = async (http, { services }) => {
  http.get('/v1/activities', { schema: listActivitiesRoute }, async () => ({ activities: [...(await services.activities.list())] }));

  http.put('/v1/activities/:activityId', { schema: putActivityRoute }, async (request) => {
    const mismatch = checkIdMatchesPath('id', request.body.id, request.params.activityId, 'body');
    if (mismatch.length > 0) throw new InvalidInputError('body.id must match the activity id in the path', mismatch);
    return services.admin.publish(compileActivity(request.body), 'body', { actor: requestActor(request) });
  });

  http.put('/v1/activities/:activityId/rollout', { schema: rollOutRoute }, async (request) => {
    const rollout = { template: parseTemplateRef(request.body.template) as TemplateRef, percent: request.body.percent };
    return services.admin.rollOut(request.params.activityId, rollout, { actor: requestActor(request) });
  });

  http.delete('/v1/activities/:activityId/rollout', { schema: rollBackRoute }, async (request) =>
    services.admin.rollBack(request.params.activityId, { actor: requestActor(request) }),
  );
};
