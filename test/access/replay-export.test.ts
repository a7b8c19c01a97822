import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { InProcessBroker } from '../../src/infra/memory/in-process-broker.js';
import { type RunningApi, sampleConfigFile, startApi } from '../support/sample-app.js';
import { CLI } from '../support/spawn-server.js';

const run = promisify(execFile);
let api: RunningApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

/** The sample play with an event rule: 3.0 checks it (rule-check), 2.0 has no rule-check node. */
const configWithRule = () =>
  sampleConfigFile((config) => {
    const [activity] = config.activities;
    if (activity) activity.rules = [{ path: 'platform', op: 'in', value: ['ios', 'android'] }];
  });

describe('export and replay', () => {
  it('exports live events and replays them through two versions, listing the users whose outcome changed', async () => {
    const configPath = configWithRule();
    api = await startApi({ configPath });
    for (const [n, user] of ['ios-user', 'web-user', 'late-user'].entries()) {
      for (const [i, itemId] of ['sku-001', 'sku-002', 'sku-003'].entries()) {
        await api.post('/v1/behaviors', { userId: user, type: 'item_view', itemId, eventId: `${user}-v${i}` });
      }
      await (api.app.broker as InProcessBroker).drained();
      if (n < 2)
        await api.post('/v1/channels/home_banner/events', {
          userId: user,
          eventId: `${user}-click`,
          payload: { platform: user.split('-')[0] },
        });
    }
    await api.post('/v1/channels/home_banner/events?dryRun=true', { userId: 'ios-user', eventId: 'dry' });
    const exported = await fetch(`${api.url}/v1/events/export`);
    expect(exported.headers.get('content-type')).toContain('application/x-ndjson');
    const text = await exported.text();
    const lines = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((l) => l.eventId)).toEqual([
      'browse_3_items:ios-user-v2',
      'ios-user-click',
      'browse_3_items:web-user-v2',
      'web-user-click',
      'browse_3_items:late-user-v2',
    ]);
    expect(lines[0]).toMatchObject({
      channelCode: 'browse_3_items',
      userId: 'ios-user',
      payload: { itemIds: ['sku-001', 'sku-002', 'sku-003'] },
    });

    const file = join(mkdtempSync(join(tmpdir(), 'sc-replay-')), 'events.ndjson');
    writeFileSync(file, text);
    const replayArgs = [
      CLI,
      'replay',
      '--events',
      file,
      '--template',
      'item-promotion@3.0',
      '--baseline',
      'item-promotion@2.0',
      '--config',
      configPath,
    ];
    const { stdout } = await run('node', [...replayArgs, '--json']);
    const report = JSON.parse(stdout);
    expect(report.events).toBe(5);
    expect(report.counts['item-promotion@3.0']).toMatchObject({ prepared: 3, issued: 1, rejected: 1 });
    expect(report.counts['item-promotion@2.0']).toMatchObject({ prepared: 3, issued: 2, rejected: 0 });
    expect(report.changed).toEqual([
      { eventId: 'web-user-click', userId: 'web-user', activityId: 'act-1001', baseline: 'issued', candidate: 'rejected' },
    ]);

    const table = await run('node', replayArgs);
    expect(table.stdout).toMatch(/5 events replayed/);
    expect(table.stdout).toMatch(/1 user\(s\) with a changed outcome/);
    expect(table.stderr).toMatch(/100%\s+5 events/);
  });

  it('a bad line is named by its number and field', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sc-replay-')), 'events.ndjson');
    writeFileSync(
      file,
      '{"channelCode":"home_banner","userId":"u","eventId":"e","at":"2026-05-01T00:00:00Z"}\n{"channelCode":"home_banner","eventId":"e2","at":"x"}\n',
    );
    const failure = await run('node', [
      CLI,
      'replay',
      '--events',
      file,
      '--template',
      'item-promotion@3.0',
      '--baseline',
      'item-promotion@2.0',
      '--config',
      configWithRule(),
    ]).catch((e) => e);
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain('line 2.userId: is required');
    expect(failure.stderr).toContain('line 2.at');
  });
});
