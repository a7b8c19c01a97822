import { z } from 'zod';
import { activityParams } from './activities.js';
import { errorResponses, isoTime, json, list } from './common.js';

export const statsQuery = z.strictObject({
  from: isoTime('2026-01-01T00:00:00Z').optional().meta({ description: 'start of the range; default `to` minus 7 days' }),
  to: isoTime('2026-01-08T00:00:00Z').optional().meta({ description: 'end of the range; default now; at most 92 days after `from`' }),
  bucket: z
    .enum(['hour', 'day'], { error: 'expected hour or day' })
    .optional()
    .meta({ description: 'series bucket; default hour for ranges up to 2 days, else day' }),
});

const counts = {
  issued: z.number(),
  redeemed: z.number(),
  expired: z.number().meta({ description: 'assets whose expiry fell in an hour of the range that has ended, unredeemed' }),
  rejected: z.record(z.string(), z.number()).meta({ description: 'by reason code (e.g. out_of_stock, per_user_limit, rule_failed)' }),
  failed: z.number(),
  redemptionRate: z.number().meta({ description: 'redeemed / issued within the range, 0..1' }),
};

export const activityStats = z
  .object({
    activityId: z.string(),
    from: z.string().meta({ description: 'the range counted: `from` rounded down to the bucket' }),
    to: z.string().meta({ description: '`to` rounded up to the bucket' }),
    bucket: z.enum(['hour', 'day']),
    totals: z.object(counts),
    versions: list(z.object({ templateId: z.string(), version: z.string(), ...counts })),
    stock: z
      .object({ total: z.number(), remaining: z.number() })
      .nullable()
      .meta({ description: "the benefit pool's stock; null before the pool exists" }),
    series: list(z.object({ at: z.string().meta({ description: 'bucket start' }), issued: z.number(), redeemed: z.number() })).meta({
      description: 'every bucket of the range, oldest first: the burn-down',
    }),
  })
  .meta({ id: 'ActivityStats' });

export const activityStatsRoute = {
  tags: ['admin'],
  summary: "An activity's outcomes per template version, its stock, and issuance over time",
  params: activityParams,
  querystring: statsQuery,
  response: { 200: json('the outcome counts of the range', activityStats), ...errorResponses(400, 404, 503) },
};
