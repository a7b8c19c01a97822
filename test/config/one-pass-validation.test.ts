import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { compileConfig } from '../../src/config/compile-config.js';
import { StrategyCenterError } from '../../src/domain/errors.js';
import { type RunningApi, startApi } from '../support/sample-app.js';

const PROCESSORS = ['query-activity', 'prepare-item-promotion', 'store-prepared', 'check-event', 'send-benefit', 'build-result'];
const context = { processorNames: PROCESSORS, catalogReaders: ['prepare-item-promotion'], codeTemplates: [] };

const activity = (overrides: Record<string, unknown> = {}) => ({
  id: 'act-1',
  name: 'n',
  template: 'item-promotion@3.0',
  channels: ['home_banner'],
  window: { start: '2026-01-01T00:00:00Z', end: '2027-01-01T00:00:00Z' },
  benefit: { pool: 'p', stock: 10, perUser: 1, validFor: '7d' },
  ...overrides,
});
const config = (overrides: Record<string, unknown> = {}) => ({
  templates: [{ id: 'item-promotion', version: '3.0', chains: { home_banner: ['check-event', 'send-benefit'] } }],
  activities: [activity()],
  ...overrides,
});

function problems(input: unknown): string[] {
  try {
    compileConfig(input, context);
  } catch (error) {
    if (error instanceof StrategyCenterError) return error.details.map((d) => `${d.path}: ${d.message}`);
    throw error;
  }
  return [];
}

let api: RunningApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe('one validation of activities and templates, every problem in one pass', () => {
  it('reports a shape problem and a reference problem of the same activity together', () => {
    const found = problems(
      config({ activities: [activity({ template: 'missing@1.0', benefit: { pool: 'p', stock: -5, perUser: 1, validFor: '7d' } })] }),
    );
    expect(found).toEqual([
      'activities[0].benefit.stock: expected a whole number >= 0',
      'activities[0].template: template missing@1.0 is not declared or registered (known: item-promotion@3.0)',
    ]);
  });

  it('`strategy-center validate` prints both, each with its path, and exits 1', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sc-validate-')), 'bad.yaml');
    writeFileSync(
      file,
      stringify(
        config({ activities: [activity({ template: 'missing@1.0', benefit: { pool: 'p', stock: -5, perUser: 1, validFor: '7d' } })] }),
      ),
    );
    const cli = new URL('../../dist/cli.js', import.meta.url).pathname;
    let failure: any;
    try {
      execFileSync('node', [cli, 'validate', file], { encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      failure = error;
    }
    expect(failure?.status).toBe(1);
    expect(String(failure?.stderr)).toContain('activities[0].benefit.stock: expected a whole number >= 0');
    expect(String(failure?.stderr)).toContain('activities[0].template: template missing@1.0 is not declared');
  });

  it('a template id the file accepts can be referenced (capitals included); one the reference cannot name is refused at its id', () => {
    const promo = { id: 'Promo', version: '1.0', chains: { home_banner: ['check-event'] } };
    expect(problems(config({ templates: [promo], activities: [activity({ template: 'Promo@1.0' })] }))).toEqual([]);
    expect(problems(config({ templates: [{ ...promo, id: 'pro:mo' }], activities: [] }))).toEqual([
      "templates[0].id: expected a template id of letters, digits and . _ - (starting with a letter or digit; no ':' or '@')",
    ]);
  });

  it('a chain that reads the catalog in a file that configures none is an error at load naming the step', () => {
    const preparing = {
      id: 'item-promotion',
      version: '3.0',
      chains: { home_banner: ['check-event'], browse_3_items: ['query-activity', 'prepare-item-promotion', 'store-prepared'] },
    };
    expect(problems(config({ templates: [preparing] }))).toEqual([
      'templates[0].chains.browse_3_items[1]: prepare-item-promotion reads the catalog, and this file configures none: set catalog: to a catalog JSON file (see data/catalog.json)',
    ]);
    expect(problems(config({ templates: [preparing], catalog: 'data/catalog.json' }))).toEqual([]);
  });

  it('the admin API checks window and references like the file, in one answer', async () => {
    api = await startApi();
    const response = await fetch(`${api.url}/v1/activities/act-9`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(
        activity({ id: 'act-9', template: 'item-promotion@9.9', window: { start: '2027-01-01T00:00:00Z', end: '2026-01-01T00:00:00Z' } }),
      ),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as any;
    expect(body.error.details).toEqual([
      { path: 'body.window.end', message: 'must be after window.start' },
      { path: 'body.template', message: expect.stringMatching(/^template item-promotion@9\.9 is not declared or registered \(known: /) },
    ]);
  });
});
