import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';

/** A config file's content as plain data, for tests that edit it. */
export type ConfigDocument = {
  templates: Record<string, any>[];
  activities: Record<string, any>[];
  behaviorRules: Record<string, any>[];
  [key: string]: unknown;
};

/**
 * Edits a config file the way editors save: write a new file beside it and rename it over the
 * old one (`replace`), or write it in place.
 */
export function editConfigFile(path: string, edit: (config: ConfigDocument) => void, how: 'replace' | 'in-place' = 'replace'): void {
  const config = parse(readFileSync(path, 'utf8')) as ConfigDocument;
  edit(config);
  writeConfigText(path, stringify(config), how);
}

export function writeConfigText(path: string, text: string, how: 'replace' | 'in-place' = 'replace'): void {
  if (how === 'in-place') {
    writeFileSync(path, text);
    return;
  }
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

/** An activity as the config file and `PUT /v1/activities/:id` take it. */
export function activityDeclaration(
  id: string,
  overrides: Record<string, unknown> = {},
): Record<string, any> & { benefit: Record<string, unknown> } {
  return {
    id,
    name: `Activity ${id}`,
    template: 'item-promotion@3.0',
    channels: ['browse_3_items', 'home_banner'],
    window: { start: '2026-01-01T00:00:00Z', end: '2030-01-01T00:00:00Z' },
    benefit: { pool: `pool-${id}`, stock: 100, perUser: 1, validFor: '7d' },
    params: { discountPercent: 10, recallLimit: 4 },
    ...overrides,
  };
}

export async function httpJson(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${base}${path}`, {
    method,
    ...(body === undefined ? { headers } : { body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}
