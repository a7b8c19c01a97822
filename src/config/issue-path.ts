import type { z } from 'zod';
import type { ErrorDetail } from '../domain/errors.js';

/** `['activities', 0, 'benefit', 'stock']` → `activities[0].benefit.stock`. */
export function formatPath(path: readonly PropertyKey[], root = ''): string {
  let text = root;
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else text += text === '' ? String(part) : `.${String(part)}`;
  }
  return text || '(root)';
}

/**
 * Zod issues as our error details, one per offending field, each message readable after its path.
 * `input` is what was validated: it tells a missing field from one of the wrong type.
 */
export function issuesToDetails(issues: readonly z.core.$ZodIssue[], root = '', input?: unknown): ErrorDetail[] {
  return issues.map((issue) => {
    const path = formatPath(issue.path, root);
    if (issue.code === 'unrecognized_keys') return { path, message: `unknown field(s): ${issue.keys.join(', ')}` };
    if (issue.code === 'invalid_type') {
      const actual = valueAt(input, issue.path);
      if (actual === undefined) return { path, message: `is required (${issue.message})` };
      // A secret sent in the wrong shape is still a secret: the answer names its type only.
      if (issue.path.some((part) => SECRET_FIELDS.has(String(part)))) return { path, message: `${issue.message}, got ${typeOf(actual)}` };
      return { path, message: `${issue.message}, got ${describe(actual)}` };
    }
    return { path, message: issue.message };
  });
}

/** Fields whose values an error never repeats. */
const SECRET_FIELDS = new Set(['secret', 'secrets']);

function typeOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const part of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return `${typeof value} ${text.length > 40 ? `${text.slice(0, 40)}…` : text}`;
}
