import { z } from 'zod';
import { MAX_BEHAVIORS_PER_BATCH } from '../../behavior-batch.js';
import { behaviorBody } from '../../behavior-body.js';
import { validatedByTheRoute } from '../request-validation.js';
import { errorBody, errorResponses, json, list } from './common.js';

/**
 * A JSON array or NDJSON text of behaviors. Documented as the array; validated item by item by the
 * route (access/behavior-batch.ts), so that a bad item fails alone and the others are recorded.
 */
export const behaviorBatchBody = z
  .array(behaviorBody)
  .min(1)
  .max(MAX_BEHAVIORS_PER_BATCH)
  .meta({
    description: `1 to ${MAX_BEHAVIORS_PER_BATCH} behaviors as a JSON array, or as NDJSON (content-type application/x-ndjson, one behavior per line). Each item is validated on its own: a bad item fails alone, named as body[17].type.`,
    examples: [
      [
        { userId: 'u1', type: 'item_view', itemId: 'sku-001', eventId: 'v-1' },
        { userId: 'u1', type: 'item_view', itemId: 'sku-002', eventId: 'v-2' },
      ],
    ],
  });
validatedByTheRoute.add(behaviorBatchBody);

const itemResult = z.union([
  z.object({ status: z.literal('accepted'), eventId: z.string(), fired: list(z.string()) }),
  z.object({ status: z.literal('failed'), error: errorBody.shape.error }),
]);

export const behaviorBatchAnswer = z
  .object({
    accepted: z.number(),
    failed: z.number(),
    results: list(itemResult).meta({ description: 'one per item, in the order of the request' }),
  })
  .meta({ id: 'BehaviorBatchAnswer' });

export const behaviorBatchRoute = {
  tags: ['events'],
  summary: 'Many behaviors in one request: each counted and its fired rules published as POST /v1/behaviors does',
  body: behaviorBatchBody,
  response: {
    202: json('every item accepted: each fired rule’s message is on the broker', behaviorBatchAnswer),
    207: json('some items failed: each failed item carries its error; retry those alone', behaviorBatchAnswer),
    ...errorResponses(400, 413, 415),
  },
};
