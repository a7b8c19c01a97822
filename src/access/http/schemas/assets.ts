import { z } from 'zod';
import { errorResponses, id, json, publicAsset } from './common.js';

export const assetParams = z.strictObject({ assetId: id });

export const redeemRoute = {
  tags: ['users'],
  summary: 'Redeem a usable asset',
  params: assetParams,
  response: { 200: json('the asset, now redeemed', publicAsset), ...errorResponses(400, 404, 409, 503) },
};
