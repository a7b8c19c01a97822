import { z } from 'zod';
import { jsonDepthWithin, MAX_JSON_DEPTH } from '../../json-depth.js';

/**
 * Pieces every route schema shares. Request schemas carry the messages of the contract (read after
 * the field's path: `body.userId: expected a non-empty string`); response schemas document what
 * the API answers and are checked against real answers by the OpenAPI test.
 */
export const id = z
  .string({ error: 'expected a non-empty string' })
  .min(1, { error: 'expected a non-empty string' })
  .max(200, { error: 'expected at most 200 characters' });

export const jsonObject = z
  .record(z.string(), z.unknown(), { error: 'expected a JSON object' })
  .refine((value) => jsonDepthWithin(value), { error: `expected at most ${MAX_JSON_DEPTH} levels of nesting` });

export const isoTime = (example: string) => z.iso.datetime({ offset: true, error: `expected an ISO-8601 time such as ${example}` });

/** `?flag=true|false`, default false. */
export const booleanQuery = z
  .enum(['true', 'false'], { error: 'expected true or false' })
  .default('false')
  .transform((v) => v === 'true');

export const wholeNumberQuery = (min: number, max: number, fallback: number) =>
  z.coerce.number({ error: 'expected a whole number' }).int({ error: 'expected a whole number' }).min(min).max(max).default(fallback);

export const errorBody = z
  .object({
    error: z.object({
      code: z.string().meta({ description: 'stable machine-readable code: invalid_input, not_found, conflict, unauthorized, ...' }),
      message: z.string(),
      details: list(
        z.object({
          path: z.string().meta({ description: 'the offending field, e.g. body.userId, query.now, body.benefit.stock' }),
          message: z.string(),
        }),
      ),
    }),
  })
  .meta({
    id: 'Error',
    description: 'Every error has this shape, with the path of each bad field.',
    examples: [
      {
        error: {
          code: 'invalid_input',
          message: 'invalid request body: body.userId: is required (expected a non-empty string)',
          details: [{ path: 'body.userId', message: 'is required (expected a non-empty string)' }],
        },
      },
    ],
  });

const ERROR_MEANINGS = {
  400: 'invalid input: each bad field is named in `details`',
  401: 'not authenticated: code missing_signature, bad_signature, expired, replayed or unknown_client (signed requests), unauthorized (admin bearer token)',
  403: 'forbidden_scope: the caller lacks the scope named in the message',
  404: 'no such resource',
  409: 'conflict with recorded state',
  413: 'body too large',
  415: 'body not sent as application/json',
  429: 'rate_limited: too many requests; retry after the Retry-After header',
  503: 'a backend is unavailable; retry',
} as const;

/** The error answers a route can give, each documented with the one error shape. */
export function errorResponses<Status extends keyof typeof ERROR_MEANINGS>(
  ...statuses: Status[]
): Record<Status, JsonResponse<typeof errorBody>> {
  return Object.fromEntries(statuses.map((status) => [status, json(ERROR_MEANINGS[status], errorBody)])) as Record<
    Status,
    JsonResponse<typeof errorBody>
  >;
}

export interface JsonResponse<T extends z.ZodType> {
  readonly description: string;
  readonly content: { readonly 'application/json': { readonly schema: T } };
}

/** A documented JSON answer: what it means, and its schema. */
export function json<T extends z.ZodType>(description: string, schema: T): JsonResponse<T> {
  return { description, content: { 'application/json': { schema } } };
}

export const publicAsset = z
  .object({
    id: z.string(),
    activityId: z.string(),
    userId: z.string(),
    status: z.enum(['active', 'redeemed', 'expired']),
    issuedAt: z.string(),
    expiresAt: z.string(),
    idempotencyKey: z.string().meta({ description: '`activity:user:round`: one asset per round, whatever the retries' }),
  })
  .meta({ id: 'Asset' });

export const preparedData = z
  .object({
    template: z.string(),
    preparedAt: z.string(),
    eventId: z.string(),
    data: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'PreparedData' });

export const chainTrace = z
  .object({
    eventId: z.string(),
    channelCode: z.string(),
    activityId: z.string(),
    userId: z.string(),
    template: z.string(),
    startedAt: z.string(),
    offsetMs: z.number().optional().meta({ description: 'ms from the start of the event to the start of this chain' }),
    durationMs: z.number(),
    status: z.string(),
    reason: z.string().optional(),
    reasonCode: z.string().optional().meta({ description: 'a short, stable code for the reason, e.g. out_of_stock' }),
    decidedBy: z.string().optional(),
    cap: z.string().optional().meta({ description: 'the frequency cap that refused the event before its chain' }),
    lock: z.object({ fence: z.number() }).optional(),
    dryRun: z.boolean().optional(),
    payload: z.record(z.string(), z.unknown()).optional(),
    traceId: z.string().optional().meta({ description: 'the OpenTelemetry trace id, when tracing is on' }),
    steps: list(
      z.object({
        processor: z.string(),
        status: z.enum(['ran', 'skipped', 'stopped', 'failed']),
        durationMs: z.number(),
        startedAt: z.string().optional().meta({ description: 'when the step began (ISO)' }),
        offsetMs: z.number().optional().meta({ description: 'ms from the start of the event to the start of this step' }),
        reason: z.string().optional(),
        error: z.object({ code: z.string(), message: z.string() }).optional(),
        notes: z.record(z.string(), z.unknown()).optional(),
      }),
    ),
  })
  .meta({ id: 'ChainTrace', description: 'Everything one activity chain did for one event.' });

/** A list in an answer: read-only, as the domain's lists are. */
export function list<T extends z.ZodType>(item: T) {
  return z.array(item).readonly();
}
