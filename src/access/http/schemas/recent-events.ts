import { z } from 'zod';
import { OUTCOME_STATUSES } from '../../../domain/outcome.js';
import { errorResponses, id, json, list, wholeNumberQuery } from './common.js';

export const recentEventsQuery = z.strictObject({
  channel: id.optional().meta({ description: 'only events on this channel code' }),
  status: z
    .enum(OUTCOME_STATUSES as [string, ...string[]], { error: `expected one of ${OUTCOME_STATUSES.join(', ')}` })
    .optional()
    .meta({ description: "only events of this status (an event's most telling outcome)" }),
  limit: wholeNumberQuery(1, 200, 50),
});

export const recentEvent = z
  .object({
    eventId: z.string(),
    channelCode: z.string(),
    userId: z.string(),
    activityIds: list(z.string()),
    status: z.string().meta({ description: 'failed, else issued, existing, prepared, rejected, skipped: the first any activity answered' }),
    outcomes: list(z.object({ activityId: z.string(), status: z.string() })),
    receivedAt: z.string(),
    durationMs: z.number(),
  })
  .meta({ id: 'RecentEvent' });

export const recentEventsRoute = {
  tags: ['events'],
  summary: 'The most recent events handled, newest first (the last 1,000 are kept)',
  querystring: recentEventsQuery,
  response: { 200: json('newest first', z.object({ events: list(recentEvent) })), ...errorResponses(400, 503) },
};
