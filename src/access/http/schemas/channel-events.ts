import { z } from 'zod';
import { OUTCOME_STATUSES } from '../../../domain/outcome.js';
import { booleanQuery, chainTrace, errorResponses, id, isoTime, json, jsonObject, list, publicAsset } from './common.js';

export const channelParams = z.strictObject({ channelCode: id.meta({ description: 'the channel code, e.g. home_banner' }) });

export const channelEventBody = z
  .strictObject(
    {
      userId: id,
      eventId: id.optional().meta({
        description: 'the client’s idempotency handle: a retry repeats it; reused with other content it is a 409',
      }),
      payload: jsonObject.optional().meta({ description: 'checked by the activity’s rules (e.g. platform); at most 32 levels deep' }),
      lock: z.boolean({ error: 'expected true or false' }).optional().meta({ description: 'lock every instance this event touches' }),
    },
    { error: 'expected a JSON object { userId, eventId?, payload?, lock? }' },
  )
  .meta({ examples: [{ userId: 'u1', eventId: 'click-1', payload: { platform: 'ios' } }] });

export const channelEventQuery = z
  .strictObject({
    dryRun: booleanQuery.meta({ description: 'run the chains with every write simulated' }),
    now: isoTime('2026-12-24T18:00:00Z').optional().meta({ description: 'dry runs only: evaluate windows and expiries as of this time' }),
  })
  .refine((query) => query.dryRun || query.now === undefined, {
    error: 'only a dry run (dryRun=true) can evaluate another time',
    path: ['now'],
  });

export const outcome = z
  .object({
    activityId: z.string(),
    template: z.string().meta({ description: '`id@version` of the template the chain ran on' }),
    status: z.enum(OUTCOME_STATUSES as [string, ...string[]]),
    reason: z.string().optional(),
    asset: publicAsset.optional(),
    output: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'Outcome' });

export const channelEventResult = z
  .object({
    eventId: z.string(),
    channelCode: z.string(),
    outcomes: list(outcome),
    traces: list(chainTrace).optional().meta({ description: 'dry runs only' }),
    dryRun: z.literal(true).optional(),
  })
  .meta({
    id: 'ChannelEventResult',
    examples: [
      {
        eventId: 'click-1',
        channelCode: 'home_banner',
        outcomes: [
          {
            activityId: 'act-1001',
            template: 'item-promotion@3.0',
            status: 'issued',
            asset: {
              id: '6f1c…',
              activityId: 'act-1001',
              userId: 'u1',
              status: 'active',
              issuedAt: '2026-12-04T10:00:00.000Z',
              expiresAt: '2026-12-11T10:00:00.000Z',
              idempotencyKey: 'act-1001:u1:0',
            },
            output: { title: '10% off City Sneaker' },
          },
        ],
      },
    ],
  });

export const channelEventRoute = {
  tags: ['events'],
  summary: 'A resource-position event (a banner opened or clicked): run the bound activities’ chains and answer at once',
  params: channelParams,
  body: channelEventBody,
  querystring: channelEventQuery,
  response: {
    200: json('one outcome per live activity bound to the channel', channelEventResult),
    ...errorResponses(400, 409, 415, 503),
  },
};
