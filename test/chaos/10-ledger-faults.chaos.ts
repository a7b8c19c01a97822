import { describe, expect, it } from 'vitest';
import { inParallel } from '../support/spawn-server.js';
import { clickUntilSettled, Deployment, injectedFaults, isRunning, outcomeOf } from './support/deployment.js';
import { SIZES } from './support/profile.js';
import { recordScenario } from './support/results.js';

const FAILURE_RATE = 0.2;

/**
 * Scenario 10: one ledger call in five fails (STRATEGY_CENTER_FAULTS=ledger-faults:0.2): half of the
 * failed issuances before the call (nothing written), half after it committed (the answer lost, as a
 * timeout). The service retries with backoff and the client retries a failed click with the same
 * event id. Every click must resolve to what the ledger committed — the same asset, or out of stock —
 * and the stock must add up: never rolled back and taken, never taken twice.
 */
describe('10. 20 % injected ledger failures and timeouts after commit', () => {
  it(`${SIZES.ledgerFaultUsers} users click once (stock for 80 % of them) over two faulty processes: retries resolve to the committed result`, async (context) => {
    const users = Array.from({ length: SIZES.ledgerFaultUsers }, (_, i) => `flaky-${i}`);
    const stock = Math.floor(users.length * 0.8);
    const deployment = await Deployment.create('ledger_faults', {
      config: (config) => {
        const [activity] = config.activities;
        if (activity) activity.benefit.stock = stock;
      },
    });
    try {
      await deployment.prepare(users);
      const faults = `ledger-faults:${FAILURE_RATE}`;
      const servers = await Promise.all([deployment.spawnServe({ faults }), deployment.spawnServe({ faults })]);
      const settled = await inParallel(users.length, 32, (i) => {
        const userId = users[i] as string;
        return clickUntilSettled(servers, userId, `flaky-click-${userId}`);
      });

      const assets = await deployment.assetsByUser();
      const totals = await deployment.ledgerTotals();
      const injected = new Map<string, number>();
      for (const server of servers)
        for (const [kind, count] of injectedFaults(server)) injected.set(kind, (injected.get(kind) ?? 0) + count);
      const clientRetries = settled.reduce((sum, { tries }) => sum + tries - 1, 0);
      const wrong = users.filter((userId, i) => {
        const outcome = outcomeOf(settled[i]?.answer ?? { status: 0, body: undefined, text: '' });
        const held = assets.get(userId) ?? [];
        if (outcome?.status === 'issued') return held.length !== 1 || outcome.asset?.id !== held[0]?.id;
        return !(outcome?.status === 'rejected' && /out of stock/.test(outcome.reason ?? '') && held.length === 0);
      });
      const issued = settled.filter(({ answer }) => outcomeOf(answer)?.status === 'issued').length;
      recordScenario(context, {
        scenario: '10',
        title: '20 % ledger failures and timeouts after commit',
        events: users.length,
        assetsIssued: totals.assets,
        duplicates: totals.extraPerUser + (totals.assets - totals.keys),
        oversell: Math.max(0, totals.assets - totals.total) + Math.abs(totals.total - totals.remaining - totals.assets),
        lost: wrong.length,
        deadLettered: 0,
        faults: `${injected.get('ledger-fault-before') ?? 0} failures before, ${injected.get('ledger-fault-after-commit') ?? 0} after commit; ${clientRetries} client retries`,
      });

      expect(injected.get('ledger-fault-before') ?? 0).toBeGreaterThan(0);
      expect(injected.get('ledger-fault-after-commit') ?? 0).toBeGreaterThan(0);
      expect(wrong).toEqual([]);
      expect(issued).toBe(stock);
      expect(totals).toEqual({ total: stock, remaining: 0, assets: stock, keys: stock, extraPerUser: 0, extraUsable: 0 });
      expect(servers.every(isRunning)).toBe(true);
    } finally {
      await deployment.cleanup();
    }
  });
});
