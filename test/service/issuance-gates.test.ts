import { describe, expect, it } from 'vitest';
import type { NextIssueRequest, RightsLedger } from '../../src/domain/ports/rights-ledger.js';
import { MemoryRightsLedger } from '../../src/infra/memory/memory-rights-ledger.js';
import { MemorySoldOutMarks } from '../../src/infra/memory/memory-sold-out-marks.js';
import { gatedLedger } from '../../src/service/issuance-gates.js';

const click = (userId: string): NextIssueRequest => ({
  activityId: 'act',
  userId,
  pool: 'pool',
  perUser: 1,
  validForMs: 60_000,
  eventId: `e-${userId}`,
  nowMs: Date.now(),
});

/** The memory ledger, counting the issuance calls that reach it and how many run at once. */
function countingLedger() {
  const real = new MemoryRightsLedger();
  const seen = { calls: 0, inFlight: 0, mostInFlight: 0 };
  let release: (() => void) | undefined;
  let hold: Promise<void> | undefined;
  const ledger: RightsLedger = {
    ensurePool: (pool, total, shards) => real.ensurePool(pool, total, shards),
    issue: (request) => real.issue(request),
    issueNext: async (request) => {
      seen.calls += 1;
      seen.inFlight += 1;
      seen.mostInFlight = Math.max(seen.mostInFlight, seen.inFlight);
      try {
        // Decided first, answered when released: an answer that arrives late.
        const result = await real.issueNext(request);
        if (hold) await hold;
        return result;
      } finally {
        seen.inFlight -= 1;
      }
    },
    listAssets: (a, u) => real.listAssets(a, u),
    getAsset: (id) => real.getAsset(id),
    redeem: (id, now) => real.redeem(id, now),
    stock: (pool) => real.stock(pool),
  };
  return {
    ledger,
    seen,
    pause: () => {
      hold = new Promise((resolve) => {
        release = resolve;
      });
    },
    resume: () => {
      hold = undefined;
      release?.();
    },
  };
}

describe('issuance gates', () => {
  it('a pool found sold out is answered from the mark, without a ledger call, until stock is added', async () => {
    const probe = countingLedger();
    const gated = gatedLedger(probe.ledger, { concurrency: 4, soldOut: new MemorySoldOutMarks(), soldOutTtlMs: 60_000 });
    await gated.ensurePool('pool', 2);
    for (const user of ['a', 'b']) expect((await gated.issueNext(click(user))).kind).toBe('issued');
    expect((await gated.issueNext(click('c'))).kind).toBe('out_of_stock');
    expect(probe.seen.calls).toBe(3);
    // The ledger said empty once; the storm that follows costs it nothing.
    await settle();
    const storm = await Promise.all(Array.from({ length: 200 }, (_, i) => gated.issueNext(click(`storm-${i}`))));
    expect(storm.every((result) => result.kind === 'out_of_stock')).toBe(true);
    expect(probe.seen.calls).toBe(3);
    // Holders pass the mark: a retried event gets its own asset, another click the asset held.
    const callsBefore = probe.seen.calls;
    expect(await gated.issueNext(click('a'))).toMatchObject({ kind: 'caused' });
    expect(await gated.issueNext({ ...click('b'), eventId: 'another' })).toMatchObject({ kind: 'held' });
    expect(probe.seen.calls).toBe(callsBefore + 2);
    // Stock added: the gate reopens at once, and the ledger decides again.
    await gated.ensurePool('pool', 3);
    expect((await gated.issueNext(click('d'))).kind).toBe('issued');
    expect(probe.seen.calls).toBe(callsBefore + 3);
  });

  it('an out_of_stock decided before a resize cannot close the reopened pool', async () => {
    const probe = countingLedger();
    const gated = gatedLedger(probe.ledger, { concurrency: 4, soldOut: new MemorySoldOutMarks(), soldOutTtlMs: 60_000 });
    await gated.ensurePool('pool', 0);
    probe.pause();
    const late = gated.issueNext(click('late'));
    await settle();
    await gated.ensurePool('pool', 5);
    probe.resume();
    expect((await late).kind).toBe('out_of_stock');
    await settle();
    expect((await gated.issueNext(click('after'))).kind).toBe('issued');
  });

  it('bounds the issuances in the ledger at once and lets the others through in turn', async () => {
    const probe = countingLedger();
    const gated = gatedLedger(probe.ledger, { concurrency: 3, soldOut: new MemorySoldOutMarks(), soldOutTtlMs: 60_000 });
    await gated.ensurePool('pool', 100);
    probe.pause();
    const clicks = Array.from({ length: 50 }, (_, i) => gated.issueNext(click(`u${i}`)));
    await settle();
    expect(probe.seen.inFlight).toBe(3);
    probe.resume();
    const results = await Promise.all(clicks);
    expect(results.filter((result) => result.kind === 'issued')).toHaveLength(50);
    expect(probe.seen.mostInFlight).toBe(3);
  });
});

/** Lets pending promise callbacks (mark reads and writes) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i += 1) await new Promise((resolve) => setImmediate(resolve));
}
