import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { compileConfig } from '../../src/config/compile-config.js';
import { loadConfig } from '../../src/config/load-config.js';
import { StrategyCenterError } from '../../src/domain/errors.js';
import { SAMPLE_CONFIG } from '../support/sample-app.js';

const PROCESSORS = [
  'query-activity',
  'prepare-item-promotion',
  'store-prepared',
  'check-event',
  'rule-check',
  'query-asset',
  'send-benefit',
  'build-result',
];
const context = { processorNames: PROCESSORS, codeTemplates: [] };

const valid = () => ({
  templates: [{ id: 'item-promotion', version: '3.0', chains: { home_banner: ['check-event', 'send-benefit'] } }],
  activities: [
    {
      id: 'act-1',
      name: 'n',
      template: 'item-promotion@3.0',
      channels: ['home_banner'],
      window: { start: '2026-01-01T00:00:00Z', end: '2027-01-01T00:00:00Z' },
      benefit: { pool: 'p', stock: 10, perUser: 1, validFor: '7d' },
    },
  ],
  behaviorRules: [{ key: 'browse_3_items', type: 'item_view', count: 3, within: '24h' }],
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

describe('configuration', () => {
  it('loads the sample play into internal units', async () => {
    const config = await loadConfig(SAMPLE_CONFIG, context);
    const [activity] = config.activities;
    expect(activity?.benefit).toEqual({ pool: 'coupon-10off', stock: 1000, perUser: 1, validForMs: 7 * 86_400_000 });
    expect(activity?.template).toEqual({ id: 'item-promotion', version: '3.0' });
    expect(config.behaviorRules).toEqual([{ key: 'browse_3_items', type: 'item_view', count: 3, withinMs: 86_400_000 }]);
    expect(config.templates[0]?.lock).toBe(true);
  });

  it.each([
    ['a negative stock', (c: any) => (c.activities[0].benefit.stock = -1), 'activities[0].benefit.stock: expected a whole number >= 0'],
    ['a fractional stock', (c: any) => (c.activities[0].benefit.stock = 1.5), 'activities[0].benefit.stock: expected a whole number >= 0'],
    [
      'a bad duration',
      (c: any) => (c.activities[0].benefit.validFor = '7days'),
      'activities[0].benefit.validFor: expected a positive duration',
    ],
    ['a missing name', (c: any) => delete c.activities[0].name, 'activities[0].name: is required'],
    [
      'a bad template ref',
      (c: any) => (c.activities[0].template = 'item-promotion'),
      'activities[0].template: expected a template reference',
    ],
    ['an unknown field', (c: any) => (c.activities[0].stock = 3), 'activities[0]: unknown field(s): stock'],
    ['a numeric version', (c: any) => (c.templates[0].version = 3), 'templates[0].version: expected a version string'],
    [
      'an unknown processor',
      (c: any) => c.templates[0].chains.home_banner.push('send-coupon'),
      "templates[0].chains.home_banner[2]: unknown processor 'send-coupon'",
    ],
    [
      'an empty chain',
      (c: any) => (c.templates[0].chains.home_banner = []),
      'templates[0].chains.home_banner: expected at least one processor',
    ],
    [
      'a missing template',
      (c: any) => (c.activities[0].template = 'item-promotion@9.0'),
      'activities[0].template: template item-promotion@9.0 is not declared',
    ],
    [
      'a channel without a chain',
      (c: any) => c.activities[0].channels.push('elsewhere'),
      "activities[0].channels[1]: template item-promotion@3.0 has no chain for channel 'elsewhere'",
    ],
    [
      'a window ending before it starts',
      (c: any) => (c.activities[0].window.end = '2025-01-01T00:00:00Z'),
      'activities[0].window.end: must be after window.start',
    ],
    ['a duplicate template', (c: any) => c.templates.push(c.templates[0]), 'templates[1]: duplicate template item-promotion@3.0'],
    ['a rule count of zero', (c: any) => (c.behaviorRules[0].count = 0), 'behaviorRules[0].count: expected a whole number >= 1'],
    [
      'an unknown time zone of a frequency cap',
      (c: any) => (c.activities[0].benefit.perUserPer = { count: 1, period: 'day', timezone: 'Asia/Beijing' }),
      'activities[0].benefit.perUserPer.timezone: expected an IANA time zone such as Asia/Shanghai or UTC',
    ],
    [
      'an unknown period of a frequency cap',
      (c: any) => (c.activities[0].benefit.perUserPer = { count: 1, period: 'fortnight', timezone: 'UTC' }),
      'activities[0].benefit.perUserPer.period: expected one of day, week, month',
    ],
    [
      'a click cap of zero',
      (c: any) => (c.activities[0].limits = { clicksPerUser: { count: 0, within: '1m' } }),
      'activities[0].limits.clicksPerUser.count: expected a whole number >= 1',
    ],
    [
      'a click cap without a window',
      (c: any) => (c.activities[0].limits = { clicksPerUser: { count: 3 } }),
      'activities[0].limits.clicksPerUser.within',
    ],
  ])('names the field of %s', (_name, edit, expected) => {
    const config = valid();
    edit(config);
    expect(problems(config).join('\n')).toContain(expected);
  });

  it('compiles frequency caps into internal units', () => {
    const config: any = valid();
    config.activities[0].benefit.perUserPer = { count: 2, period: 'week', timezone: 'Asia/Shanghai' };
    config.activities[0].limits = { clicksPerUser: { count: 20, within: '1m' } };
    const [activity] = compileConfig(config, context).activities;
    expect(activity?.benefit.perUserPer).toEqual({ count: 2, period: 'week', timeZone: 'Asia/Shanghai' });
    expect(activity?.limits).toEqual({ clicksPerUser: { count: 20, withinMs: 60_000 } });
  });

  it('reports every problem at once', () => {
    const config: any = valid();
    config.activities[0].benefit.stock = -1;
    config.behaviorRules[0].within = 'soon';
    expect(problems(config)).toHaveLength(2);
  });

  it('`strategy-center validate` prints the problems and exits 1', () => {
    const cli = new URL('../../dist/cli.js', import.meta.url).pathname;
    expect(execFileSync('node', [cli, 'validate', SAMPLE_CONFIG], { encoding: 'utf8' })).toMatch(/is valid: 2 template/);
    let failure: any;
    try {
      execFileSync('node', [cli, 'validate', '/nonexistent.yaml'], { encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      failure = error;
    }
    expect(failure?.status).toBe(1);
    expect(String(failure?.stderr)).toContain('/nonexistent.yaml: file not found');
  });
});
