import { z } from 'zod';
import { errorResponses, json, list } from './common.js';

export const changesQuery = z.strictObject({
  limit: z.coerce.number({ error: 'expected a whole number' }).int().min(1).max(1000).default(50),
  kind: z.enum(['activity', 'template', 'client'], { error: 'expected activity, template or client' }).optional(),
  id: z.string().min(1).max(200).optional().meta({ description: 'an activity id or a template `id@version`' }),
});

export const configChange = z
  .object({
    seq: z.number(),
    at: z.string(),
    actor: z.string().meta({ description: '`x-actor` header or `admin-api`; `file:<path>` for the config file' }),
    kind: z.enum(['activity', 'template', 'client']),
    id: z.string(),
    before: z.unknown().meta({ description: 'null when created' }),
    after: z.unknown(),
  })
  .meta({ id: 'ConfigChange' });

export const listChangesRoute = {
  tags: ['admin'],
  summary: 'Changes of activities and templates: who, when, before and after; newest first',
  querystring: changesQuery,
  response: { 200: json('the changes', z.object({ changes: list(configChange) })), ...errorResponses(400, 503) },
};
