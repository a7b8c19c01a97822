import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { toPublicAsset } from '../../../domain/asset.js';
import { NotFoundError } from '../../../domain/errors.js';
import type { RouteOptions } from '../http-services.js';
import { explainRoute, userInstanceRoute } from '../schemas/user-instances.js';

/** `GET /v1/activities/:activityId/users/:userId[/explain]` → service/user-rights.ts, service/explain.ts. */
export const userInstanceRoutes: FastifyPluginAsyncZod<RouteOptions> = async (http, { services }) => {
  const knownActivity = async (activityId: string) => {
    if (!(await services.activities.get(activityId))) throw new NotFoundError('activity', activityId);
  };

  http.get('/v1/activities/:activityId/users/:userId', { schema: userInstanceRoute, config: { scope: 'users:read' } }, async (request) => {
    const { activityId, userId } = request.params;
    await knownActivity(activityId);
    const { prepared, assets } = await services.rights.instanceOf(activityId, userId);
    return { prepared, assets: assets.map((asset) => toPublicAsset(asset, Date.now())) };
  });

  http.get(
    '/v1/activities/:activityId/users/:userId/explain',
    { schema: explainRoute, config: { scope: 'users:read' } },
    async (request) => {
      const { activityId, userId } = request.params;
      await knownActivity(activityId);
      const explanation = await services.explainer.explain(activityId, userId, request.query.limit);
      return { ...explanation, assets: explanation.assets.map((asset) => toPublicAsset(asset, Date.now())) };
    },
  );
};
