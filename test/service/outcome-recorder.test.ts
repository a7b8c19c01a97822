import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../src/domain/outcome.js';
import type { HourlyOutcomeCount, OutcomeLog, OutcomeRecord } from '../../src/domain/ports/outcome-log.js';
import type { ChainTrace } from '../../src/domain/trace.js';
import { OutcomeRecorder, recordOf } from '../../src/service/outcome-recorder.js';

const trace = (overrides: Partial<ChainTrace> = {}): ChainTrace => ({
  eventId: 'e1',
  channelCode: 'home_banner',
  activityId: 'act-1',
  userId: 'u1',
  template: 'item-promotion@3.0',
  startedAt: '2026-03-01T10:00:00.000Z',
  durationMs: 1,
  status: 'rejected',
  steps: [],
  ...overrides,
});
const asset = {
  id: 'asset-1',
  activityId: 'act-1',
  userId: 'u1',
  pool: 'p',
  status: 'active' as const,
  issuedAt: '2026-03-01T10:00:00.005Z',
  expiresAt: '2026-03-08T10:00:00.005Z',
  idempotencyKey: 'act-1:u1:0',
  eventId: 'e1',
};
const outcome = (status: Outcome['status'], extra: Partial<Outcome> = {}): Outcome => ({
  activityId: 'act-1',
  template: 'item-promotion@3.0',
  status,
  ...extra,
});

/** A log that records batches and can be made to fail. */
function recordingLog() {
  const batches: OutcomeRecord[][] = [];
  let failing = false;
  const log: OutcomeLog = {
    async append(records) {
      if (failing) throw new Error('database down');
      batches.push([...records]);
    },
    refresh: async () => 0,
    hourly: async (): Promise<HourlyOutcomeCount[]> => [],
  };
  return {
    log,
    batches,
    fail(on: boolean) {
      failing = on;
    },
  };
}

describe('which outcomes are recorded', () => {
  it('a fresh issuance at the ledger time, with the asset and its expiry', () => {
    expect(recordOf(trace({ status: 'issued' }), outcome('issued', { asset }))).toEqual({
      kind: 'issued',
      activityId: 'act-1',
      templateId: 'item-promotion',
      version: '3.0',
      atMs: Date.parse(asset.issuedAt),
      assetId: 'asset-1',
      expiresAtMs: Date.parse(asset.expiresAt),
    });
  });

  it('not a retried event answered with the asset it caused before, nor existing, prepared or skipped', () => {
    expect(recordOf(trace({ status: 'issued', reasonCode: 'answered_before' }), outcome('issued', { asset }))).toBeUndefined();
    for (const status of ['existing', 'prepared', 'skipped'] as const) expect(recordOf(trace({ status }), outcome(status))).toBeUndefined();
    expect(recordOf(trace({ status: 'issued', dryRun: true }), outcome('issued', { asset }))).toBeUndefined();
  });

  it('a rejection by its reason code, else by the deciding processor; never by the free-text reason', () => {
    const rejected = (t: Partial<ChainTrace>) => recordOf(trace(t), outcome('rejected'));
    expect(rejected({ reason: 'out of stock: pool p is empty', reasonCode: 'out_of_stock', decidedBy: 'send-benefit' })).toMatchObject({
      kind: 'rejected',
      reason: 'out_of_stock',
    });
    expect(rejected({ reason: 'user 42 is not welcome', decidedBy: 'custom-gate' })).toMatchObject({ reason: 'custom-gate' });
    expect(rejected({ reason: 'anything' })).toMatchObject({ reason: 'unspecified' });
    expect(recordOf(trace({ status: 'failed', reason: 'boom at 10:00' }), outcome('failed'))).toMatchObject({
      kind: 'failed',
      reason: 'dispatch',
    });
  });
});

describe('the outcome recorder', () => {
  it('appends in batches: at the batch size at once, the rest on flush', async () => {
    const { log, batches } = recordingLog();
    const recorder = new OutcomeRecorder(log, { batchSize: 3, flushEveryMs: 60_000 });
    for (let i = 0; i < 4; i++) recorder.chainFinished(trace(), outcome('rejected'));
    await recorder.flush();
    expect(batches.map((batch) => batch.length)).toEqual([3, 1]);
    await recorder.close();
  });

  it('appends on its timer without being asked', async () => {
    const { log, batches } = recordingLog();
    const recorder = new OutcomeRecorder(log, { flushEveryMs: 10 });
    recorder.redeemed(asset, Date.parse('2026-03-02T00:00:00Z'));
    await expect.poll(() => batches.length).toBe(1);
    expect(batches[0]?.[0]).toMatchObject({ kind: 'redeemed', assetId: 'asset-1', activityId: 'act-1' });
    await recorder.close();
  });

  it('keeps what failed to append for the next flush, dropping the oldest beyond its bound', async () => {
    const { log, batches, fail } = recordingLog();
    const recorder = new OutcomeRecorder(log, { flushEveryMs: 60_000, maxBuffered: 3 });
    fail(true);
    for (let i = 0; i < 2; i++) recorder.chainFinished(trace({ decidedBy: `p${i}` }), outcome('rejected'));
    await recorder.flush();
    for (let i = 2; i < 4; i++) recorder.chainFinished(trace({ decidedBy: `p${i}` }), outcome('rejected'));
    expect(recorder.dropped).toBe(1);
    fail(false);
    await recorder.close();
    expect(batches.flat().map((record) => (record.kind === 'rejected' ? record.reason : ''))).toEqual(['p1', 'p2', 'p3']);
  });
});
