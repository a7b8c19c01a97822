import { z } from 'zod';
import { activitySchema, rolloutSchema } from '../../../config/config-schema.js';
import { errorResponses, id, json, list } from './common.js';

export const activityParams = z.strictObject({ activityId: id });

const templateRef = z.object({ id: z.string(), version: z.string() });

/** An activity as stored and served: the config file's shape compiled to internal units (`…Ms`, epoch ms). */
export const activity = z
  .object({
    id: z.string(),
    name: z.string(),
    template: templateRef,
    rollout: z.object({ template: templateRef, percent: z.number() }).optional(),
    channels: list(z.string()),
    window: z.object({ startMs: z.number(), endMs: z.number() }),
    status: z.enum(['active', 'paused', 'ended']),
    rules: list(z.object({ path: z.string(), op: z.enum(['eq', 'ne', 'in', 'gte', 'lte', 'exists']), value: z.unknown().optional() })),
    benefit: z.object({
      pool: z.string(),
      stock: z.number(),
      perUser: z.number(),
      validForMs: z.number(),
      stockShards: z.number().optional().meta({ description: 'slot rows holding the stock; unset: derived from the stock' }),
      perUserPer: z
        .object({ count: z.number(), period: z.enum(['day', 'week', 'month']), timeZone: z.string() })
        .optional()
        .meta({ description: 'at most count issuances to one user per calendar period in timeZone' }),
    }),
    preparedTtlMs: z.number(),
    lock: z.boolean().optional(),
    params: z.record(z.string(), z.unknown()),
    limits: z
      .object({ clicksPerUser: z.object({ count: z.number(), withinMs: z.number() }).optional() })
      .optional()
      .meta({ description: 'caps on one user’s clicks, checked before the chain runs' }),
  })
  .meta({ id: 'Activity' });

/** The body of `PUT /v1/activities/:id`: an activity exactly as the config file declares it. */
export const activityBody = activitySchema.meta({
  description: 'An activity as the config file declares it (durations as 7d, times as ISO-8601).',
  examples: [
    {
      id: 'act-2002',
      name: 'Second play',
      template: 'item-promotion@3.0',
      channels: ['browse_3_items', 'home_banner'],
      window: { start: '2026-01-01T00:00:00Z', end: '2030-01-01T00:00:00Z' },
      benefit: { pool: 'coupon-5off', stock: 500, perUser: 1, validFor: '7d' },
      params: { discountPercent: 5 },
    },
  ],
});

export const rolloutBody = rolloutSchema.meta({ examples: [{ template: 'item-promotion@2.0', percent: 20 }] });

export const listActivitiesRoute = {
  tags: ['admin'],
  summary: 'Every activity',
  response: { 200: json('the activities', z.object({ activities: list(activity) })), ...errorResponses(503) },
};

export const putActivityRoute = {
  tags: ['admin'],
  summary: 'Create or replace an activity (validated like the config file); live in every process within seconds',
  params: activityParams,
  body: activityBody,
  response: { 200: json('the activity as now live', activity), ...errorResponses(400, 415, 503) },
};

export const rollOutRoute = {
  tags: ['admin'],
  summary: 'Run another template version for a sticky share of the activity’s users',
  params: activityParams,
  body: rolloutBody,
  response: { 200: json('the activity with its rollout', activity), ...errorResponses(400, 404, 415, 503) },
};

export const rollBackRoute = {
  tags: ['admin'],
  summary: 'End the rollout: everyone runs the activity’s own template again',
  params: activityParams,
  response: { 200: json('the activity without rollout', activity), ...errorResponses(400, 404, 503) },
};
