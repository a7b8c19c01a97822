import { z } from 'zod';
import { clientIdSchema, clientRateLimitSchema, clientScopes, envName } from '../../../config/config-schema.js';
import { errorResponses, json, list } from './common.js';

export const clientParams = z.strictObject({ clientId: clientIdSchema });

/** Shorter secrets are guessable offline from one captured signature (as app/client-credentials.ts). */
const secret = z
  .string({ error: 'expected a secret of at least 16 characters' })
  .min(16, { error: 'expected a secret of at least 16 characters' })
  .max(512, { error: 'expected a secret of at most 512 characters' })
  .regex(/^[^,\s]+$/, { error: 'expected a secret without commas or spaces' });

/**
 * `PUT /v1/clients/:clientId`: scopes, an optional rate limit and exactly one source of secrets —
 * `secretEnv` (a variable every process reads) or `secrets` (one, or two during a rotation), which
 * are stored and never answered.
 */
export const putClientBody = z
  .strictObject(
    {
      scopes: clientScopes,
      rateLimit: clientRateLimitSchema.optional(),
      secretEnv: envName.optional(),
      secrets: z
        .array(secret, { error: 'expected a list of one or two secrets' })
        .min(1, { error: 'expected one secret, or two during a rotation' })
        .max(2, { error: 'expected one secret, or two during a rotation' })
        .optional(),
    },
    { error: 'expected { scopes, rateLimit?, secretEnv | secrets }' },
  )
  .superRefine((body, context) => {
    if ((body.secretEnv === undefined) === (body.secrets === undefined)) {
      context.addIssue({ code: 'custom', path: ['secrets'], message: 'expected either secretEnv or secrets (one or two), not both' });
    }
  })
  .meta({
    description: 'A client declared through the admin API. Secrets are stored (HMAC needs them) and never answered.',
    examples: [
      { scopes: ['events:home_banner', 'users:read'], rateLimit: { max: 200, within: '1s' }, secrets: ['<at least 16 characters>'] },
    ],
  });

export const clientView = z
  .object({
    id: z.string(),
    scopes: list(z.string()),
    rateLimit: z
      .object({ max: z.number(), withinMs: z.number(), perUser: z.object({ max: z.number(), withinMs: z.number() }).optional() })
      .optional(),
    secretEnv: z.string().optional().meta({ description: 'the variable holding the secret(s)' }),
    secretSet: z.literal(true).optional().meta({ description: 'secrets are stored for this client (never shown)' }),
    secretCount: z.number().optional().meta({ description: 'how many secrets are stored: two during a rotation' }),
    source: z.enum(['file', 'api']).meta({ description: 'file: declared in the config file (read-only here); api: through this API' }),
  })
  .meta({ id: 'Client', description: 'An API client, without its secrets.' });

export const listClientsRoute = {
  tags: ['admin'],
  summary: 'Every API client (the config file’s and the admin API’s), without secrets',
  response: { 200: json('the clients', z.object({ clients: list(clientView) })), ...errorResponses(503) },
};

export const putClientRoute = {
  tags: ['admin'],
  summary:
    'Create or replace a client (scopes, rate limit, secrets); live in every process within seconds with DATABASE_URL (without it, in this process only)',
  params: clientParams,
  body: putClientBody,
  response: { 200: json('the client as now in force, without secrets', clientView), ...errorResponses(400, 409, 415, 503) },
};

export const deleteClientRoute = {
  tags: ['admin'],
  summary: 'Remove a client declared through the admin API; its requests are refused unknown_client',
  params: clientParams,
  response: { 200: json('the client removed, without secrets', clientView), ...errorResponses(400, 404, 409, 503) },
};
