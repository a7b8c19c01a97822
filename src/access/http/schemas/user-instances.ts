import { z } from 'zod';
import { errorResponses, id, json, list, preparedData, publicAsset, wholeNumberQuery } from './common.js';

export const instanceParams = z.strictObject({ activityId: id, userId: id });
export const explainQuery = z.strictObject({ limit: wholeNumberQuery(1, 200, 20).meta({ description: 'recent events to explain' }) });

export const userInstance = z
  .object({ prepared: preparedData.nullable(), assets: list(publicAsset) })
  .meta({ id: 'UserInstance', description: 'One activity × one user: the prepared offer and the assets held.' });

const explainedEvent = z.object({
  eventId: z.string(),
  channelCode: z.string(),
  at: z.string(),
  template: z.string(),
  status: z.string(),
  reason: z.string().optional(),
  decidedBy: z
    .object({
      processor: z.string(),
      status: z.string(),
      reason: z.string().optional(),
      notes: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
  lock: z.object({ fence: z.number() }).optional(),
  cap: z
    .string()
    .optional()
    .meta({ description: 'the frequency cap that decided, by its config field: limits.clicksPerUser or benefit.perUserPer' }),
  inputs: list(z.object({ processor: z.string(), notes: z.record(z.string(), z.unknown()) })),
});

export const explanation = z
  .object({
    activityId: z.string(),
    userId: z.string(),
    summary: z.string().meta({ description: 'one sentence a support agent can read out' }),
    prepared: preparedData.nullable(),
    assets: list(publicAsset),
    events: list(explainedEvent),
  })
  .meta({ id: 'Explanation' });

export const userInstanceRoute = {
  tags: ['users'],
  summary: 'What one user has in one activity: the prepared offer and the assets',
  params: instanceParams,
  response: { 200: json('the instance', userInstance), ...errorResponses(400, 404, 503) },
};

export const explainRoute = {
  tags: ['users'],
  summary: 'Why did this user get, or not get, this benefit',
  params: instanceParams,
  querystring: explainQuery,
  response: { 200: json('the explanation', explanation), ...errorResponses(400, 404, 503) },
};
