import { InvalidConfigError } from '../domain/errors.js';

/**
 * A whole-number setting from the environment: undefined when unset or empty, else a number within
 * [min, max]; anything else is refused naming the variable, before the process starts serving.
 */
export function wholeNumberSetting<E extends object>(env: E, name: keyof E & string, min: number, max: number): number | undefined {
  const raw: unknown = (env as Record<string, unknown>)[name];
  if (raw === undefined || (typeof raw === 'string' && raw.trim() === '')) return undefined;
  const value = Number(raw);
  if (typeof raw !== 'string' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidConfigError([{ path: name, message: `expected a whole number from ${min} to ${max}, got '${String(raw)}'` }]);
  }
  return value;
}
