import { z } from 'zod';
import { issuesToDetails } from '../config/issue-path.js';
import { InvalidInputError } from '../domain/errors.js';
import type { Behavior } from './behavior-intake.js';
import { id, isoTime, jsonObject } from './http/schemas/common.js';

/**
 * The body of one raw behavior, wherever it arrives: `POST /v1/behaviors`, an item of
 * `POST /v1/behaviors/batch`, or a message on the namespace's raw-behavior stream, queue or subject.
 * One schema, so the three accept and refuse exactly the same bodies with the same messages.
 */
export const behaviorBody = z
  .strictObject(
    {
      userId: id,
      type: id.meta({ description: 'the behavior type the rules count, e.g. item_view' }),
      eventId: id.optional().meta({ description: 'repeat it on a retry: the fired message keeps its id' }),
      itemId: id.optional(),
      at: isoTime('2026-11-25T08:00:00Z').optional().meta({ description: 'when it happened; default now' }),
      attributes: jsonObject.optional(),
    },
    { error: 'expected a JSON object { userId, type, eventId?, itemId?, at?, attributes? }' },
  )
  .meta({ examples: [{ userId: 'u1', type: 'item_view', itemId: 'sku-001' }] });

export type BehaviorBody = z.infer<typeof behaviorBody>;

/** A validated body as the intake records it: `at` becomes epoch ms. */
export function toBehavior(body: BehaviorBody): Behavior {
  const { at, ...behavior } = body;
  return { ...behavior, ...(at === undefined ? {} : { atMs: Date.parse(at) }) };
}

/**
 * Validates one body on its own; an error names each bad field under `root` (`body[17].type` for a
 * batch item, `userId` for a broker message) and is returned, not thrown, so one bad item costs
 * only itself.
 */
export function parseBehavior(value: unknown, root: string): { readonly behavior: Behavior } | { readonly error: InvalidInputError } {
  const parsed = behaviorBody.safeParse(value);
  if (parsed.success) return { behavior: toBehavior(parsed.data) };
  const details = issuesToDetails(parsed.error.issues, root, value);
  const where = root === '' ? '' : ` ${root}`;
  return { error: new InvalidInputError(`invalid behavior${where}: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details) };
}
