import { describe, expect, it } from 'vitest';
import { TransientError } from '../../src/domain/errors.js';
import type { IssueRequest } from '../../src/domain/ports/rights-ledger.js';
import { MemoryRightsLedger } from '../../src/infra/memory/memory-rights-ledger.js';
import { FaultInjector, parseFaultPlan } from '../../src/testing/fault-injection.js';

const request: IssueRequest = {
  activityId: 'act-1',
  userId: 'u1',
  pool: 'pool',
  perUser: 1,
  validForMs: 60_000,
  idempotencyKey: 'act-1:u1:0',
  eventId: 'e1',
  nowMs: Date.now(),
};

describe('fault injection (chaos tests only)', () => {
  it('is off without a spec: the ports and processors are handed back as they are', () => {
    expect(parseFaultPlan(undefined)).toBeUndefined();
    expect(parseFaultPlan('  ')).toBeUndefined();
    const injector = FaultInjector.fromEnvironment(undefined);
    const ledger = new MemoryRightsLedger();
    expect(injector.active).toBe(false);
    expect(injector.ledger(ledger)).toBe(ledger);
  });

  it('parses every fault and refuses an unknown one with the variable as its path', () => {
    expect(parseFaultPlan('kill-after:send-benefit, ledger-faults:0.2,poison-users:poison-')).toEqual({
      killAfter: 'send-benefit',
      ledgerFailureRate: 0.2,
      poisonUserPrefix: 'poison-',
    });
    expect(() => parseFaultPlan('ledger-faults:2')).toThrow(/STRATEGY_CENTER_FAULTS: 'ledger-faults:2' is not a fault/);
    expect(() => parseFaultPlan('explode')).toThrow(/is not a fault/);
  });

  it('a failure after commit leaves the asset written; the retry answers it', async () => {
    const faults: string[] = [];
    // First draw fails the call, the second puts the failure after the commit, then no more faults.
    const draws = [0, 0];
    const injector = new FaultInjector(
      { ledgerFailureRate: 0.5 },
      { onFault: (fault) => faults.push(fault.kind), random: () => draws.shift() ?? 0.99 },
    );
    const inner = new MemoryRightsLedger();
    await inner.ensurePool('pool', 5);
    const result = await injector.ledger(inner).issue(request);
    expect(faults).toEqual(['ledger-fault-after-commit']);
    expect(result.kind).toBe('existing');
    expect((await inner.stock('pool'))?.remaining).toBe(4);
  });

  it('a failure before the call writes nothing', async () => {
    const injector = new FaultInjector({ ledgerFailureRate: 1 }, { random: () => 0.9 });
    const inner = new MemoryRightsLedger();
    await inner.ensurePool('pool', 5);
    await expect(injector.ledger(inner).issue(request)).rejects.toBeInstanceOf(TransientError);
    expect((await inner.stock('pool'))?.remaining).toBe(5);
    expect(await inner.listAssets('act-1', 'u1')).toEqual([]);
  });
});
