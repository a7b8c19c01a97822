import { z } from 'zod';
import { issuesToDetails } from '../config/issue-path.js';
import { InvalidInputError } from '../domain/errors.js';
import type { BehaviorMessage } from '../domain/ports/broker.js';
import { jsonDepthWithin, MAX_JSON_DEPTH } from './json-depth.js';

const id = z.string({ error: 'expected a non-empty string' }).min(1, { error: 'expected a non-empty string' }).max(200, {
  error: 'expected at most 200 characters',
});

export const behaviorMessageSchema = z.strictObject(
  {
    channelCode: id,
    userId: id,
    eventId: id,
    payload: z
      .record(z.string(), z.unknown(), { error: 'expected a JSON object' })
      .refine((value) => jsonDepthWithin(value), { error: `expected at most ${MAX_JSON_DEPTH} levels of nesting` })
      .optional(),
    occurredAt: z.iso.datetime({ offset: true, error: 'expected an ISO-8601 time' }).optional(),
  },
  { error: 'expected a JSON object { channelCode, userId, eventId, payload?, occurredAt? }' },
);

/** Parses a broker message body; the error names each bad field. */
export function parseBehaviorMessage(body: string): BehaviorMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new InvalidInputError(`message is not JSON: ${(error as Error).message}`, [{ path: 'message', message: 'not valid JSON' }]);
  }
  const parsed = behaviorMessageSchema.safeParse(json);
  if (!parsed.success) {
    const details = issuesToDetails(parsed.error.issues, 'message', json);
    throw new InvalidInputError(`invalid behavior message: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
  }
  return parsed.data;
}
