import { InvalidInputError, StrategyCenterError } from '../domain/errors.js';
import { parseBehavior } from './behavior-body.js';
import type { Behavior, BehaviorIntake } from './behavior-intake.js';

/** Behaviors one `POST /v1/behaviors/batch` may carry. */
export const MAX_BEHAVIORS_PER_BATCH = 1000;

/** Room for 1,000 behaviors of about 4 KB each (attributes included). */
export const MAX_BATCH_BODY_BYTES = 4 * 1024 * 1024;

/** One item of a batch: a valid behavior, or the error that names where it went wrong. */
export type BatchItem = { readonly behavior: Behavior } | { readonly error: StrategyCenterError };

/** Answered in the order of the request, one per item. */
export type BatchItemResult =
  | { readonly status: 'accepted'; readonly eventId: string; readonly fired: readonly string[] }
  | { readonly status: 'failed'; readonly error: { code: string; message: string; details: { path: string; message: string }[] } };

export interface BatchAnswer {
  readonly accepted: number;
  readonly failed: number;
  readonly results: readonly BatchItemResult[];
}

/**
 * Splits a batch body into items and validates each on its own, so one bad item costs only itself.
 * `body` is a JSON array (already parsed) or NDJSON text: one behavior per line, blank lines
 * skipped, items numbered in order of the non-blank lines. An error names the item: `body[17].type`.
 * Throws InvalidInputError only when the batch as a whole is unusable (not an array, empty, too long).
 */
export function parseBehaviorBatch(body: unknown, format: 'json' | 'ndjson'): BatchItem[] {
  let raw: unknown[];
  const lineErrors = new Map<number, string>();
  if (format === 'ndjson') {
    if (typeof body !== 'string')
      throw new InvalidInputError('invalid request body: expected NDJSON text', [{ path: 'body', message: 'expected NDJSON text' }]);
    const lines = body.split('\n').filter((line) => line.trim() !== '');
    raw = lines.map((line, index) => {
      try {
        return JSON.parse(line) as unknown;
      } catch (error) {
        lineErrors.set(index, `not valid JSON: ${(error as Error).message}`);
        return undefined;
      }
    });
  } else {
    if (!Array.isArray(body)) {
      throw new InvalidInputError('invalid request body: expected a JSON array of behaviors', [
        { path: 'body', message: `expected a JSON array of at most ${MAX_BEHAVIORS_PER_BATCH} behaviors` },
      ]);
    }
    raw = body;
  }
  if (raw.length === 0 || raw.length > MAX_BEHAVIORS_PER_BATCH) {
    const message = `expected 1 to ${MAX_BEHAVIORS_PER_BATCH} behaviors, got ${raw.length}`;
    throw new InvalidInputError(`invalid request body: ${message}`, [{ path: 'body', message }]);
  }
  return raw.map((value, index): BatchItem => {
    const root = `body[${index}]`;
    const lineError = lineErrors.get(index);
    if (lineError !== undefined)
      return { error: new InvalidInputError(`invalid behavior ${root}: ${lineError}`, [{ path: root, message: lineError }]) };
    return parseBehavior(value, root);
  });
}

/**
 * Records the valid items together (access/behavior-intake.ts `recordMany`: their counting in one
 * pipeline, each fired rule's message published and confirmed by the broker before the answer).
 * Items of one user keep their order: their counts are sent in item order on one connection. A
 * failure (the broker refusing a publish, Redis away) fails only the items it touched, whose errors
 * say how to retry them.
 */
export async function recordBehaviorBatch(intake: BehaviorIntake, items: readonly BatchItem[]): Promise<BatchAnswer> {
  const valid = items.flatMap((item) => ('behavior' in item ? [item.behavior] : []));
  const outcomes = await intake.recordMany(valid);
  let next = 0;
  let accepted = 0;
  const results = items.map((item): BatchItemResult => {
    if ('error' in item) return failed(item.error);
    const outcome = outcomes[next++];
    if (outcome === undefined || 'error' in outcome) return failed(outcome?.error);
    accepted += 1;
    return { status: 'accepted', eventId: outcome.eventId, fired: outcome.fired };
  });
  return { accepted, failed: results.length - accepted, results };
}

function failed(error: unknown): BatchItemResult {
  const known =
    error instanceof StrategyCenterError
      ? error
      : new StrategyCenterError('internal', `recording the behavior failed: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        });
  return { status: 'failed', error: { code: known.code, message: known.message, details: [...known.details] } };
}
