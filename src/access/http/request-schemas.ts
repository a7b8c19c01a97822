import { z } from 'zod';
import { issuesToDetails } from '../../config/issue-path.js';
import { InvalidInputError } from '../../domain/errors.js';
import { jsonDepthWithin, MAX_JSON_DEPTH } from '../json-depth.js';

const id = z
  .string({ error: 'expected a non-empty string' })
  .min(1, { error: 'expected a non-empty string' })
  .max(200, { error: 'expected at most 200 characters' });
const jsonObject = z
  .record(z.string(), z.unknown(), { error: 'expected a JSON object' })
  .refine((value) => jsonDepthWithin(value), { error: `expected at most ${MAX_JSON_DEPTH} levels of nesting` });

export const channelEventBody = z.strictObject(
  {
    userId: id,
    eventId: id.optional(),
    payload: jsonObject.optional(),
    lock: z.boolean({ error: 'expected true or false' }).optional(),
  },
  { error: 'expected a JSON object { userId, eventId?, payload?, lock? }' },
);

export const behaviorBody = z.strictObject(
  {
    userId: id,
    type: id,
    eventId: id.optional(),
    itemId: id.optional(),
    at: z.iso.datetime({ offset: true, error: 'expected an ISO-8601 time such as 2026-11-25T08:00:00Z' }).optional(),
    attributes: jsonObject.optional(),
  },
  { error: 'expected a JSON object { userId, type, eventId?, itemId?, at?, attributes? }' },
);

export const channelParams = z.strictObject({ channelCode: id });
export const instanceParams = z.strictObject({ activityId: id, userId: id });
export const activityParams = z.strictObject({ activityId: id });
export const assetParams = z.strictObject({ assetId: id });
export const eventParams = z.strictObject({ eventId: id });
export const deadLetterParams = z.strictObject({ id });

export const channelEventQuery = z
  .strictObject({
    dryRun: z
      .enum(['true', 'false'], { error: 'expected true or false' })
      .default('false')
      .transform((v) => v === 'true'),
    now: z.iso.datetime({ offset: true, error: 'expected an ISO-8601 time such as 2026-12-24T18:00:00Z' }).optional(),
  })
  .refine((query) => query.dryRun || query.now === undefined, {
    error: 'only a dry run (dryRun=true) can evaluate another time',
    path: ['now'],
  });

export const explainQuery = z.strictObject({
  limit: z.coerce.number({ error: 'expected a whole number' }).int({ error: 'expected a whole number' }).min(1).max(200).default(20),
});

export const exportQuery = z.strictObject({
  limit: z.coerce
    .number({ error: 'expected a whole number' })
    .int({ error: 'expected a whole number' })
    .min(1)
    .max(100_000)
    .default(10_000),
});

export const deadLetterQuery = z.strictObject({
  limit: z.coerce.number({ error: 'expected a whole number' }).int().min(1).max(1000).default(100),
  includeReplayed: z
    .enum(['true', 'false'], { error: 'expected true or false' })
    .default('false')
    .transform((v) => v === 'true'),
});

/** Validates one part of a request; the error names each bad field as `body.userId`, `query.limit`. */
export function parseRequest<T extends z.ZodType>(schema: T, value: unknown, part: 'body' | 'query' | 'params'): z.output<T> {
  const parsed = schema.safeParse(value ?? (part === 'body' ? undefined : {}));
  if (parsed.success) return parsed.data;
  const details = issuesToDetails(parsed.error.issues, part, value);
  throw new InvalidInputError(`invalid request ${part}: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
}
