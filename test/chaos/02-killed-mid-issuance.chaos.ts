import { describe, expect, it, type TestContext } from 'vitest';
import type { ChildServer } from '../support/spawn-server.js';
import { inParallel } from '../support/spawn-server.js';
import { click, clickUntilSettled, counterOf, Deployment, type HttpAnswer, outcomeOf, waitUntil } from './support/deployment.js';
import { SIZES } from './support/profile.js';
import { recordScenario } from './support/results.js';

/**
 * Scenario 2: a process is SIGKILLed (STRATEGY_CENTER_FAULTS=kill-after:<step>) right after each
 * step of issuance — before the ledger, after the ledger committed (`ledger.issue`: the processor
 * never saw the answer), after send-benefit, after build-result (before the HTTP answer or the
 * broker ack) — with a batch of clicks in flight. Then every click is retried, as a client or the
 * broker does, on a process without faults: each user ends with exactly one asset (one per
 * idempotency key), every answer names it, and the stock taken equals the assets written.
 */
const HTTP_STEPS = ['check-event', 'rule-check', 'query-asset', 'ledger.issue', 'send-benefit', 'build-result'] as const;
/** Where the asset is committed before the kill: at least one in flight got that far. */
const AFTER_LEDGER = new Set<string>(['ledger.issue', 'send-benefit', 'build-result']);
const WORKER_STEPS = ['ledger.issue', 'build-result'] as const;
const PAYLOAD = { platform: 'ios' };

function withRules(config: { activities: (Record<string, unknown> & { benefit: Record<string, unknown> })[] }): void {
  // rule-check runs (and can be killed after) only when the activity has rules.
  const [activity] = config.activities;
  if (activity) activity.rules = [{ path: 'platform', op: 'in', value: ['ios', 'android'] }];
}

async function waitForDeath(server: ChildServer, timeoutMs = 20_000): Promise<NodeJS.Signals | null> {
  await waitUntil(
    async () => server.child.exitCode !== null || server.child.signalCode !== null,
    timeoutMs,
    () => `process still running:\n${server.output()}`,
  );
  return server.child.signalCode;
}

/** Clicks over HTTP, one serve process killed at each kill point, all at once; then a healthy process answers the retries. */
async function killedOverHttp(context: TestContext): Promise<void> {
  const deployment = await Deployment.create('kill_http', { config: withRules });
  try {
    const usersOf = (step: string) => Array.from({ length: SIZES.killClicksPerStep }, (_, i) => `kill-${step}-${i}`);
    await deployment.prepare(HTTP_STEPS.flatMap(usersOf));

    // One process per kill point, each with a batch of clicks in flight when it dies.
    const killed = await Promise.all(
      HTTP_STEPS.map(async (step) => {
        const server = await deployment.spawnServe({ faults: `kill-after:${step}` });
        const answers = await Promise.all(usersOf(step).map((userId) => click(server, userId, `click-${userId}`, PAYLOAD)));
        return { step, server, answers, signal: await waitForDeath(server) };
      }),
    );
    const assetsBeforeRetry = await deployment.assetsByUser();
    const committedBefore = new Map(killed.map(({ step }) => [step, usersOf(step).filter((u) => assetsBeforeRetry.has(u)).length]));

    // Every click again, on a process without faults, until it is answered (the dead holders' locks expire first).
    const survivor = await deployment.spawnServe();
    const users = HTTP_STEPS.flatMap(usersOf);
    const retries = await inParallel(users.length, 32, (i) => {
      const userId = users[i] as string;
      return clickUntilSettled([survivor], userId, `click-${userId}`, PAYLOAD).then((settled) => ({ userId, ...settled }));
    });

    const assets = await deployment.assetsByUser();
    const totals = await deployment.ledgerTotals();
    const withoutAsset = users.filter((userId) => (assets.get(userId) ?? []).length !== 1);
    const wrongAnswers = retries.filter(({ userId, answer }) => {
      const outcome = outcomeOf(answer);
      return outcome?.status !== 'issued' || outcome.asset?.id !== assets.get(userId)?.[0]?.id;
    });
    recordScenario(context, {
      scenario: '2',
      title: 'SIGKILL mid-issuance, retried (HTTP)',
      events: users.length,
      assetsIssued: totals.assets,
      duplicates: totals.extraPerUser + (totals.assets - totals.keys),
      oversell: Math.max(0, totals.assets - totals.total) + Math.abs(totals.total - totals.remaining - totals.assets),
      lost: withoutAsset.length + wrongAnswers.length,
      deadLettered: 0,
      faults: `${killed.length} processes SIGKILLed, one after each step`,
    });

    for (const { step, server, answers, signal } of killed) {
      expect(signal, `the process killed after ${step}`).toBe('SIGKILL');
      expect(server.output()).toContain(`injected fault: SIGKILL after ${step}`);
      // Killed before it could answer any click of the batch.
      expect(answers.filter((answer: HttpAnswer) => answer.status !== 0).map((answer) => answer.text)).toEqual([]);
      if (AFTER_LEDGER.has(step)) expect(committedBefore.get(step), `assets committed before the kill after ${step}`).toBeGreaterThan(0);
      else expect(committedBefore.get(step), `assets committed before the kill after ${step}`).toBe(0);
    }
    expect(wrongAnswers.map(({ userId, answer }) => `${userId}: ${answer.status} ${answer.text.slice(0, 200)}`)).toEqual([]);
    expect(withoutAsset).toEqual([]);
    expect(totals).toMatchObject({ assets: users.length, keys: users.length, extraPerUser: 0, extraUsable: 0 });
    expect(totals.total - totals.remaining).toBe(totals.assets);
  } finally {
    await deployment.cleanup();
  }
}

/** Click messages on RabbitMQ; the worker holding them unacknowledged is killed; a healthy worker gets them redelivered. */
async function killedWorker(context: TestContext, step: string): Promise<void> {
  const deployment = await Deployment.create(`kill_worker_${step.replace(/\W/g, '_')}`, { broker: 'rabbitmq', config: withRules });
  try {
    const users = Array.from({ length: SIZES.killClicksPerStep }, (_, i) => `wkill-${i}`);
    await deployment.prepare(users);
    const victim = await deployment.spawnServe({ faults: `kill-after:${step}` });
    const publisher = await deployment.publisher();
    await Promise.all(
      users.map((userId) => publisher.publish({ channelCode: 'home_banner', userId, eventId: `wclick-${userId}`, payload: PAYLOAD })),
    );
    const signal = await waitForDeath(victim);
    const committedBefore = (await deployment.assetsByUser()).size;

    // RabbitMQ requeued what the dead worker held; a healthy worker takes it over.
    const survivor = await deployment.spawnServe();
    await waitUntil(
      async () => (await counterOf(survivor, 'strategy_center_deliveries_total', { verdict: 'ack' })) >= users.length,
      60_000,
      async () =>
        `${await counterOf(survivor, 'strategy_center_deliveries_total', { verdict: 'ack' })} of ${users.length} acknowledged after the restart`,
    );
    const assets = await deployment.assetsByUser();
    const totals = await deployment.ledgerTotals();
    const deadLetters = await deployment.deadLetters();
    const wrong = users.filter((userId) => {
      const held = assets.get(userId) ?? [];
      return held.length !== 1 || held[0]?.eventId !== `wclick-${userId}`;
    });
    recordScenario(context, {
      scenario: '2',
      title: `SIGKILL after ${step}, redelivered (RabbitMQ)`,
      events: users.length,
      assetsIssued: totals.assets,
      duplicates: totals.extraPerUser + (totals.assets - totals.keys),
      oversell: Math.max(0, totals.assets - totals.total) + Math.abs(totals.total - totals.remaining - totals.assets),
      lost: wrong.length,
      deadLettered: deadLetters.length,
      faults: `worker SIGKILLed after ${step}, before the ack`,
    });

    expect(signal).toBe('SIGKILL');
    expect(victim.output()).toContain(`injected fault: SIGKILL after ${step}`);
    expect(committedBefore).toBeGreaterThan(0);
    expect(wrong).toEqual([]);
    expect(deadLetters).toEqual([]);
    expect(totals).toMatchObject({ assets: users.length, keys: users.length, extraPerUser: 0, extraUsable: 0 });
    expect(totals.total - totals.remaining).toBe(totals.assets);
  } finally {
    await deployment.cleanup();
  }
}

describe('2. a process SIGKILLed at each step of issuance, then the same events retried', () => {
  it(`${SIZES.killClicksPerStep} clicks in flight at each of ${HTTP_STEPS.length} kill points over HTTP, and workers killed after ${WORKER_STEPS.join(' / ')}`, async (context) => {
    // Side by side: the killed processes' locks expire once for all of them (10 s).
    const parts = await Promise.allSettled([killedOverHttp(context), ...WORKER_STEPS.map((step) => killedWorker(context, step))]);
    for (const part of parts) if (part.status === 'rejected') throw part.reason;
  });
});
