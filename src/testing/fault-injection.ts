import { writeSync } from 'node:fs';
import { InvalidConfigError, StrategyCenterError, TransientError } from '../domain/errors.js';
import type { RightsLedger } from '../domain/ports/rights-ledger.js';
import type { Processor } from '../domain/processor.js';
import { retrying } from '../service/retry.js';

/**
 * Fault injection for the chaos suite (`npm run test:chaos`): it makes this process fail the way
 * production processes fail, at chosen points, so the suite can check that the guarantees hold.
 * It is OFF unless the environment variable STRATEGY_CENTER_FAULTS names faults; never set it in
 * production. Comma-separated:
 *
 * - `kill-after:<step>` — SIGKILL this process right after `<step>` finished: a processor name, or
 *   `ledger.issue` (the ledger committed; the processor never saw the answer). Nothing runs after
 *   it: no answer, no ack, no trace.
 * - `ledger-faults:<rate>` — each ledger `issue`, `issueNext` and `listAssets` call fails with probability
 *   `rate` (0 < rate <= 1) with a retryable error: `listAssets` and half of the `issue` failures
 *   before the call (nothing written), the other half of `issue` after it committed (the answer
 *   lost, as a timeout). The ledger is then retried with backoff, as the PostgreSQL adapter
 *   retries a transaction whose connection dropped.
 * - `poison-users:<prefix>` — every chain of a user whose id starts with `<prefix>` fails, as a
 *   message that keeps failing does.
 */
export interface FaultPlan {
  readonly killAfter?: string;
  readonly ledgerFailureRate?: number;
  readonly poisonUserPrefix?: string;
}

export const FAULTS_VARIABLE = 'STRATEGY_CENTER_FAULTS';

/** Undefined when the spec is empty; a spec that names an unknown fault fails loudly. */
export function parseFaultPlan(spec: string | undefined): FaultPlan | undefined {
  if (spec === undefined || spec.trim() === '') return undefined;
  const plan: { -readonly [K in keyof FaultPlan]: FaultPlan[K] } = {};
  const problems: { path: string; message: string }[] = [];
  for (const item of spec.split(',').map((part) => part.trim())) {
    const separator = item.indexOf(':');
    const name = separator < 0 ? item : item.slice(0, separator);
    const argument = separator < 0 ? '' : item.slice(separator + 1);
    if (name === 'kill-after' && argument !== '') plan.killAfter = argument;
    else if (name === 'poison-users' && argument !== '') plan.poisonUserPrefix = argument;
    else if (name === 'ledger-faults' && Number(argument) > 0 && Number(argument) <= 1) plan.ledgerFailureRate = Number(argument);
    else {
      problems.push({
        path: FAULTS_VARIABLE,
        message: `'${item}' is not a fault: expected kill-after:<step>, ledger-faults:<rate 0-1> or poison-users:<prefix>`,
      });
    }
  }
  if (problems.length > 0) throw new InvalidConfigError(problems);
  return plan;
}

/** Told of every fault as it is injected (the composition root passes the logger). */
export type FaultListener = (fault: { readonly kind: string; readonly at: string; readonly detail?: string }) => void;

/** Wraps the ports and processors a plan names; with no plan, hands everything back unchanged. */
export class FaultInjector {
  readonly plan: FaultPlan | undefined;
  readonly #onFault: FaultListener;
  readonly #random: () => number;

  constructor(plan: FaultPlan | undefined, options: { readonly onFault?: FaultListener; readonly random?: () => number } = {}) {
    this.plan = plan;
    this.#onFault = options.onFault ?? (() => {});
    this.#random = options.random ?? Math.random;
  }

  static fromEnvironment(spec: string | undefined, onFault?: FaultListener): FaultInjector {
    return new FaultInjector(parseFaultPlan(spec), onFault ? { onFault } : {});
  }

  get active(): boolean {
    return this.plan !== undefined;
  }

  processors(processors: readonly Processor[]): Processor[] {
    const plan = this.plan;
    if (!plan || (plan.killAfter === undefined && plan.poisonUserPrefix === undefined)) return [...processors];
    return processors.map((processor) => ({
      ...processor,
      validate: (ctx) => processor.validate(ctx),
      process: async (ctx) => {
        if (plan.poisonUserPrefix !== undefined && ctx.userId.startsWith(plan.poisonUserPrefix)) {
          this.#onFault({ kind: 'poison', at: processor.name, detail: ctx.userId });
          throw new StrategyCenterError('internal', `injected fault: user ${ctx.userId} is poison (${FAULTS_VARIABLE})`);
        }
        await processor.process(ctx);
        if (plan.killAfter === processor.name) this.#kill(processor.name, ctx.params.eventId);
      },
    }));
  }

  ledger(ledger: RightsLedger): RightsLedger {
    const plan = this.plan;
    if (!plan || (plan.killAfter !== 'ledger.issue' && plan.ledgerFailureRate === undefined)) return ledger;
    const rate = plan.ledgerFailureRate ?? 0;
    const faulty: RightsLedger = {
      ensurePool: (pool, total, shards) => ledger.ensurePool(pool, total, shards),
      getAsset: (assetId) => ledger.getAsset(assetId),
      redeem: (assetId, nowMs) => ledger.redeem(assetId, nowMs),
      stock: (pool) => ledger.stock(pool),
      listAssets: async (activityId, userId) => {
        if (this.#random() < rate) throw this.#fail('ledger.listAssets', 'before', `${activityId}:${userId}`);
        return ledger.listAssets(activityId, userId);
      },
      issue: async (request) => {
        const failing = this.#random() < rate;
        const afterCommit = failing && this.#random() < 0.5;
        if (failing && !afterCommit) throw this.#fail('ledger.issue', 'before', request.idempotencyKey);
        const result = await ledger.issue(request);
        if (plan.killAfter === 'ledger.issue') this.#kill('ledger.issue', request.eventId);
        if (afterCommit) throw this.#fail('ledger.issue', 'after-commit', `${request.idempotencyKey} -> ${result.kind}`);
        return result;
      },
      // The click path's one call: the same faults, at the same point `ledger.issue` names.
      issueNext: async (request) => {
        const failing = this.#random() < rate;
        const afterCommit = failing && this.#random() < 0.5;
        const what = `${request.activityId}:${request.userId} (event ${request.eventId})`;
        if (failing && !afterCommit) throw this.#fail('ledger.issue', 'before', what);
        const result = await ledger.issueNext(request);
        if (plan.killAfter === 'ledger.issue') this.#kill('ledger.issue', request.eventId);
        if (afterCommit) throw this.#fail('ledger.issue', 'after-commit', `${what} -> ${result.kind}`);
        return result;
      },
    };
    // The service's retry with backoff, as PgRunner retries a transaction whose answer was lost.
    return rate > 0 ? retrying(faulty) : faulty;
  }

  #fail(at: string, when: 'before' | 'after-commit', detail: string): TransientError {
    this.#onFault({ kind: `ledger-fault-${when}`, at, detail });
    return new TransientError(
      when === 'before'
        ? `injected fault: ${at} failed (${FAULTS_VARIABLE})`
        : `injected fault: ${at} timed out after commit (${FAULTS_VARIABLE})`,
    );
  }

  /** Written synchronously: nothing else gets the chance to run once the signal is sent. */
  #kill(at: string, eventId: string): void {
    this.#onFault({ kind: 'kill', at, detail: eventId });
    writeSync(2, `strategy-center: injected fault: SIGKILL after ${at} (event ${eventId}, pid ${process.pid})\n`);
    process.kill(process.pid, 'SIGKILL');
    // Should delivery lag, block rather than let this process answer or acknowledge anything.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10_000);
  }
}
