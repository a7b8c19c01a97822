import { z } from 'zod';
import { behaviorBody } from '../../behavior-body.js';
import { errorResponses, json, list } from './common.js';

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
