import { afterEach, describe, expect, it } from 'vitest';
import type { TraceStore } from '../../src/domain/ports/trace-store.js';
import type { ChainTrace } from '../../src/domain/trace.js';
import type { MakeSubject, Subject } from './conformance-support.js';

export interface TraceStoreOptions {
  readonly maxTracesPerEvent: number;
}

function trace(eventId: string, activityId: string, overrides: Partial<ChainTrace> = {}): ChainTrace {
  return {
    eventId,
    channelCode: 'home_banner',
    activityId,
    userId: 'u1',
    template: 'item-promotion@3.0',
    startedAt: '2026-03-01T10:00:00.000Z',
    durationMs: 3.5,
    status: 'issued',
    steps: [
      { processor: 'check-event', status: 'ran', durationMs: 0.2 },
      { processor: 'rule-check', status: 'skipped', durationMs: 0.1, reason: 'no rules' },
      { processor: 'send-benefit', status: 'failed', durationMs: 1, error: { code: 'unavailable', message: 'ledger down' } },
    ],
    ...overrides,
  };
}

export function describeTraceStoreConformance(name: string, make: MakeSubject<TraceStore, TraceStoreOptions>): void {
  describe(`TraceStore conformance: ${name}`, () => {
    let subject: Subject<TraceStore> | undefined;

    async function open(options: TraceStoreOptions = { maxTracesPerEvent: 100 }): Promise<TraceStore> {
      subject = await make(options);
      return subject.store;
    }
    afterEach(async () => {
      await subject?.close();
      subject = undefined;
    });

    it('returns nothing for an unknown event', async () => {
      const traces = await open();
      expect(await traces.byEvent('nope')).toEqual([]);
    });

    it('returns an event’s traces in append order, as appended', async () => {
      const traces = await open();
      const first = trace('e1', 'act-1', { lock: { fence: 4 } });
      const second = trace('e1', 'act-2', { status: 'rejected', reason: 'out of window' });
      await traces.append(first);
      await traces.append(trace('e2', 'act-1'));
      await traces.append(second);
      expect(await traces.byEvent('e1')).toEqual([first, second]);
      expect(await traces.byEvent('e2')).toHaveLength(1);
    });

    it('lists an instance’s traces and the deployment’s recent ones, newest first and bounded by the limit', async () => {
      const traces = await open();
      await traces.append(trace('e1', 'act-1', { userId: 'u1' }));
      await traces.append(trace('e2', 'act-1', { userId: 'u2' }));
      await traces.append(trace('e3', 'act-1', { userId: 'u1', payload: { itemIds: ['sku-001'] } }));
      await traces.append(trace('e4', 'act-2', { userId: 'u1' }));
      expect((await traces.byInstance('act-1', 'u1', 10)).map((t) => t.eventId)).toEqual(['e3', 'e1']);
      expect((await traces.byInstance('act-1', 'u1', 1)).map((t) => t.eventId)).toEqual(['e3']);
      expect(await traces.byInstance('act-9', 'u1', 10)).toEqual([]);
      expect((await traces.recent(3)).map((t) => t.eventId)).toEqual(['e4', 'e3', 'e2']);
      expect((await traces.byInstance('act-1', 'u1', 1))[0]?.payload).toEqual({ itemIds: ['sku-001'] });
    });

    it('keeps only the newest traces of an event', async () => {
      const traces = await open({ maxTracesPerEvent: 3 });
      for (let i = 1; i <= 7; i++) await traces.append(trace('e1', `act-${i}`));
      expect((await traces.byEvent('e1')).map((t) => t.activityId)).toEqual(['act-5', 'act-6', 'act-7']);
    });
  });
}
