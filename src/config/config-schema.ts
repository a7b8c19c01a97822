import { z } from 'zod';
import { isScope } from '../access/auth/scopes.js';
import { CALENDAR_PERIODS, isTimeZone } from '../domain/calendar-period.js';
import { parseDurationMs } from '../domain/duration.js';
import { parseTemplateRef, TEMPLATE_ID, TEMPLATE_VERSION } from '../domain/template-ref.js';

/**
 * The configuration file's shape, as a person writes it (durations as `7d`, times as ISO strings).
 * `compileConfig` turns it into the normalised internal types. Messages are written to be read
 * after the field's path: `activities[0].benefit.stock: expected a whole number >= 0`.
 */
const name = z.string({ error: 'expected a string' }).regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, {
  error: 'expected a name of letters, digits and . _ : - (starting with a letter or digit)',
});
/** Activity ids form instance keys `activity:user`, so they must not contain ':' themselves. */
const activityId = z.string({ error: 'expected a string' }).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
  error: "expected an id of letters, digits and . _ - (no ':', it separates activity and user in keys)",
});
const wholeNumber = (min: number) =>
  z
    .number({ error: `expected a whole number >= ${min}` })
    .int({ error: `expected a whole number >= ${min}` })
    .min(min, {
      error: `expected a whole number >= ${min}`,
    });
const duration = z
  .string({ error: 'expected a duration such as 30s, 15m, 24h or 7d' })
  .refine((text) => (parseDurationMs(text) ?? 0) > 0, { error: 'expected a positive duration such as 30s, 15m, 24h or 7d' });
const isoTime = z.string({ error: 'expected an ISO-8601 time' }).refine((text) => !Number.isNaN(Date.parse(text)), {
  error: 'expected an ISO-8601 time such as 2026-01-01T00:00:00Z',
});

/** Template ids and versions follow template-ref.ts, so that every declared template can be referenced as `id@version`. */
const templateId = z.string({ error: 'expected a string' }).regex(TEMPLATE_ID, {
  error: "expected a template id of letters, digits and . _ - (starting with a letter or digit; no ':' or '@')",
});

export const templateSchema = z.strictObject(
  {
    id: templateId,
    version: z.string({ error: 'expected a version string such as "3.0" (quote it in YAML)' }).regex(TEMPLATE_VERSION, {
      error: 'expected a version such as "3.0"',
    }),
    description: z.string().optional(),
    lock: z.boolean({ error: 'expected true or false' }).default(false),
    chains: z.record(name, z.array(name, { error: 'expected a list of processor names' }), {
      error: 'expected a map of channel code to a list of processor names',
    }),
  },
  { error: 'expected an object with id, version and chains' },
);

const templateRef = z
  .string({ error: 'expected a template reference such as item-promotion@3.0' })
  .refine((text) => parseTemplateRef(text), {
    error: 'expected a template reference such as item-promotion@3.0',
  });

/** `percent` of the activity's users (sticky by user id) run `template`; the rest the activity's own. */
export const rolloutSchema = z.strictObject(
  {
    template: templateRef,
    percent: z.number({ error: 'expected a percentage from 0 to 100' }).min(0, { error: 'expected a percentage from 0 to 100' }).max(100, {
      error: 'expected a percentage from 0 to 100',
    }),
  },
  { error: 'expected { template, percent }' },
);

/** `benefit.perUserPer`: a frequency cap per calendar period in the activity's time zone. */
const perUserPerSchema = z.strictObject(
  {
    count: wholeNumber(1),
    period: z.enum(CALENDAR_PERIODS as [string, ...string[]], { error: 'expected one of day, week, month' }),
    timezone: z
      .string({ error: 'expected an IANA time zone such as Asia/Shanghai or UTC' })
      .refine((text) => isTimeZone(text), { error: 'expected an IANA time zone such as Asia/Shanghai or UTC' }),
  },
  { error: 'expected { count, period, timezone } such as { count: 1, period: day, timezone: Asia/Shanghai }' },
);

/** `limits`: caps on one user's actions on the activity, checked before its chain runs. */
const limitsSchema = z.strictObject(
  {
    clicksPerUser: z
      .strictObject({ count: wholeNumber(1), within: duration }, { error: 'expected { count, within } such as { count: 20, within: 1m }' })
      .optional(),
  },
  { error: 'expected { clicksPerUser? }' },
);

const eventRuleSchema = z.strictObject({
  path: z.string({ error: 'expected a payload path such as platform or user.tier' }).min(1),
  op: z.enum(['eq', 'ne', 'in', 'gte', 'lte', 'exists'], { error: 'expected one of eq, ne, in, gte, lte, exists' }),
  value: z.unknown().optional(),
});

export const activitySchema = z.strictObject(
  {
    id: activityId,
    name: z.string({ error: 'expected a string' }).min(1, { error: 'expected a non-empty name' }),
    template: templateRef,
    rollout: rolloutSchema.optional(),
    channels: z.array(name, { error: 'expected a list of channel codes' }).min(1, { error: 'expected at least one channel code' }),
    window: z.strictObject({ start: isoTime, end: isoTime }, { error: 'expected { start, end } as ISO-8601 times' }),
    status: z.enum(['active', 'paused', 'ended'], { error: 'expected one of active, paused, ended' }).default('active'),
    rules: z.array(eventRuleSchema, { error: 'expected a list of rules' }).default([]),
    benefit: z.strictObject(
      {
        pool: name,
        stock: wholeNumber(0),
        perUser: wholeNumber(1),
        validFor: duration,
        // Slot rows holding the stock (see domain/issuance.ts defaultStockShards); 256 is far past
        // where more slots stop helping and keeps a resize one small statement.
        stockShards: wholeNumber(1).max(256, { error: 'expected a whole number from 1 to 256' }).optional(),
        perUserPer: perUserPerSchema.optional(),
      },
      { error: 'expected { pool, stock, perUser, validFor, stockShards?, perUserPer? }' },
    ),
    limits: limitsSchema.optional(),
    preparedTtl: duration.default('72h'),
    lock: z.boolean({ error: 'expected true or false' }).optional(),
    params: z.record(z.string(), z.unknown(), { error: 'expected a map of parameters' }).default({}),
  },
  { error: 'expected an activity object' },
);

export const behaviorRuleSchema = z.strictObject(
  {
    key: name,
    type: name,
    count: wholeNumber(1),
    within: duration,
  },
  { error: 'expected { key, type, count, within }' },
);

/** Env var names as POSIX shells accept them. */
export const envName = z.string({ error: 'expected the name of an environment variable' }).regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
  error: 'expected the name of an environment variable (letters, digits and _, not starting with a digit)',
});
export const scope = z.string({ error: 'expected a scope' }).refine((text) => isScope(text), {
  error:
    'expected a scope: events:<channelCode>, events:*, behaviors:write, users:read, assets:redeem, traces:read, admin:read or admin:write',
});

/** Requests a client may send, in all and on events per user of that client. */
export const clientRateLimitSchema = z.strictObject(
  {
    max: wholeNumber(1),
    within: duration,
    perUser: z
      .strictObject({ max: wholeNumber(1), within: duration }, { error: 'expected { max, within } such as { max: 20, within: 1m }' })
      .optional(),
  },
  { error: 'expected { max, within, perUser? } such as { max: 2000, within: 1s }' },
);

export const clientScopes = z.array(scope, { error: 'expected a list of scopes' }).min(1, { error: 'expected at least one scope' });

/** A client of the API. Its secret is never in the file: `secretEnv` names the variable holding it. */
export const clientSchema = z.strictObject(
  {
    id: name,
    secretEnv: envName,
    scopes: clientScopes,
    rateLimit: clientRateLimitSchema.optional(),
  },
  { error: 'expected { id, secretEnv, scopes, rateLimit? }' },
);

export const clientIdSchema = name;

export const configSchema = z.strictObject(
  {
    /** `on`: client routes need signed requests; unset: off, which only a loopback embedded server may run. */
    auth: z.enum(['on', 'off'], { error: 'expected on or off' }).optional(),
    clients: z.array(clientSchema, { error: 'expected a list of clients' }).default([]),
    templates: z.array(templateSchema, { error: 'expected a list of templates' }).default([]),
    activities: z.array(activitySchema, { error: 'expected a list of activities' }).default([]),
    behaviorRules: z.array(behaviorRuleSchema, { error: 'expected a list of behavior rules' }).default([]),
    catalog: z.string({ error: 'expected a path to a catalog JSON file' }).optional(),
  },
  { error: 'expected a configuration object with templates, activities and behaviorRules' },
);

export type ConfigInput = z.input<typeof configSchema>;
export type ActivityInput = z.input<typeof activitySchema>;
export type TemplateInput = z.input<typeof templateSchema>;
export type ClientInput = z.output<typeof clientSchema>;
