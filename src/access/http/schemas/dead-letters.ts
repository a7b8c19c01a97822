import { z } from 'zod';
import { booleanQuery, errorResponses, id, json, list } from './common.js';

export const deadLetterParams = z.strictObject({ id });
export const deadLetterQuery = z.strictObject({
  limit: z.coerce.number({ error: 'expected a whole number' }).int().min(1).max(1000).default(100),
  includeReplayed: booleanQuery,
});

export const deadLetter = z
  .object({
    id: z.string(),
    body: z.string().meta({ description: 'the message as it came off the broker' }),
    reason: z.string(),
    attempts: z.number(),
    source: z.string(),
    createdAt: z.string(),
    replayedAt: z.string().optional(),
  })
  .meta({ id: 'DeadLetter' });

export const listDeadLettersRoute = {
  tags: ['admin'],
  summary: 'Messages that could not be parsed or kept failing, newest first',
  querystring: deadLetterQuery,
  response: { 200: json('the dead letters', z.object({ deadLetters: list(deadLetter) })), ...errorResponses(400, 503) },
};

export const replayDeadLetterRoute = {
  tags: ['admin'],
  summary: 'Publish a dead letter’s message again (once)',
  params: deadLetterParams,
  response: { 200: json('the dead letter, now replayed', deadLetter), ...errorResponses(400, 404, 409, 503) },
};
