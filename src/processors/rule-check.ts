import type { EventRule } from '../domain/activity.js';
import type { Processor } from '../domain/processor.js';
import { REASON_CODES } from '../domain/reason-codes.js';

/** Checks the activity's event rules against the event payload; the first that fails rejects. */
export function ruleCheck(): Processor {
  return {
    name: 'rule-check',
    validate: (ctx) => ctx.activity.rules.length > 0,
    async process(ctx) {
      const verdicts: { rule: string; actual: unknown; passed: boolean }[] = [];
      for (const rule of ctx.activity.rules) {
        const actual = valueAt(ctx.params.payload, rule.path);
        const passed = holds(rule, actual);
        verdicts.push({ rule: `payload.${rule.path} ${describe(rule)}`, actual: actual ?? null, passed });
        if (!passed) {
          ctx.note({ verdicts });
          return ctx.stop(
            'rejected',
            `rule failed: payload.${rule.path} ${describe(rule)} (got ${JSON.stringify(actual) ?? 'nothing'})`,
            REASON_CODES.ruleFailed,
          );
        }
      }
      ctx.note({ verdicts });
    },
  };
}

function valueAt(payload: Readonly<Record<string, unknown>>, path: string): unknown {
  let value: unknown = payload;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function holds(rule: EventRule, actual: unknown): boolean {
  switch (rule.op) {
    case 'exists':
      return actual !== undefined && actual !== null;
    case 'eq':
      return actual === rule.value;
    case 'ne':
      return actual !== rule.value;
    case 'in':
      return Array.isArray(rule.value) && rule.value.includes(actual);
    case 'gte':
      return typeof actual === 'number' && typeof rule.value === 'number' && actual >= rule.value;
    case 'lte':
      return typeof actual === 'number' && typeof rule.value === 'number' && actual <= rule.value;
  }
}

function describe(rule: EventRule): string {
  const words = {
    exists: 'must be present',
    eq: 'must equal',
    ne: 'must not equal',
    in: 'must be one of',
    gte: 'must be >=',
    lte: 'must be <=',
  };
  return rule.op === 'exists' ? words.exists : `${words[rule.op]} ${JSON.stringify(rule.value)}`;
}
