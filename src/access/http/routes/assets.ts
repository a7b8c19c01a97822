import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { toPublicAsset } from '../../../domain/asset.js';
import type { RouteOptions } from '../http-services.js';
import { redeemRoute } from '../schemas/assets.js';

/** `POST /v1/assets/:assetId/redeem` → service/user-rights.ts. */
export const assetRoutes: FastifyPluginAsyncZod<RouteOptions> = async (http, { services }) => {
  http.post('/v1/assets/:assetId/redeem', { schema: redeemRoute, config: { scope: 'assets:redeem' } }, async (request) =>
    toPublicAsset(await services.rights.redeem(request.params.assetId), Date.now()),
  );
};
