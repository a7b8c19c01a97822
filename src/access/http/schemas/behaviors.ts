import { z } from 'zod';
import { errorResponses, id, isoTime, json, jsonObject, list } from './common.js';

export const behaviorBody = z
  .strictObject(
    {
      userId: id,
      type: id.meta({ description: 'the behavior type the rules count, e.g. item_view' }),
      eventId: id.optional().meta({ description: 'repeat it on a retry: the fired message keeps its id' }),
      itemId: id.optional(),
      at: isoTime('2026-11-25T08:00:00Z').optional().meta({ description: 'when it happened; default now' }),
      attributes: jsonObject.optional(),
    },
    { error: 'expected a JSON object { userId, type, eventId?, itemId?, at?, attributes? }' },
  )
  .meta({ examples: [{ userId: 'u1', type: 'item_view', itemId: 'sku-001' }] });

export const behaviorAccepted = z
  .object({
    eventId: z.string(),
    fired: list(z.string()).meta({ description: 'keys of the behavior rules this behavior satisfied, published on the broker' }),
  })
  .meta({ id: 'BehaviorAccepted', examples: [{ eventId: 'b-3', fired: ['browse_3_items'] }] });

export const behaviorRoute = {
  tags: ['events'],
  summary: 'A user behavior: counted against the behavior rules; a satisfied rule publishes its key on the broker',
  body: behaviorBody,
  response: {
    202: json('every fired rule’s message is on the broker', behaviorAccepted),
    ...errorResponses(400, 415, 503),
  },
};
