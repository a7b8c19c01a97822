import type { IssueRequest, IssueResult, NextIssueRequest, NextIssueResult, RightsLedger } from '../domain/ports/rights-ledger.js';
import type { SoldOutMarks } from '../domain/ports/sold-out-marks.js';

export interface IssuanceGateOptions {
  /**
   * Issuances of this process in the ledger at once; the rest wait here, in order. Measured
   * (bench/README.md): the ledger's throughput on one pool peaks with a few concurrent issuances
   * and falls as more queue on its locks, so a burst of clicks must not all reach it.
   */
  readonly concurrency: number;
  readonly soldOut: SoldOutMarks;
  /** How long a sold-out mark lives without being renewed: the safety net for a missed reopen. */
  readonly soldOutTtlMs: number;
  /** A mark that cannot be read or written: the ledger decides alone meanwhile. */
  readonly onMarkError?: (error: unknown) => void;
}

/** Defaults: see IssuanceGateOptions and bench/README.md for the measurement behind them. */
export const DEFAULT_LEDGER_CONCURRENCY = 8;
export const DEFAULT_SOLD_OUT_TTL_MS = 2_000;
/** A holder is remembered a day past its asset's validity: its retries and the per-user bound outlive the asset. */
const HOLDER_GRACE_MS = 86_400_000;

/**
 * The ledger as the click path sees it: a pool marked sold out is answered `out_of_stock` without
 * a ledger call (a storm on an empty pool costs the database nothing), except for the instances
 * that hold from it, whose answer is not `out_of_stock`; every other issuance waits
 * for one of `concurrency` places before it reaches the ledger. The ledger stays the only one that
 * decides: a mark is set only after the ledger answered `out_of_stock`, and cleared whenever the
 * pool is resized with stock left.
 */
export function gatedLedger(ledger: RightsLedger, options: IssuanceGateOptions): RightsLedger {
  const places = new Places(options.concurrency);
  const { soldOut, soldOutTtlMs } = options;
  const onMarkError = options.onMarkError ?? (() => {});
  /**
   * Asks the ledger unless the pool is marked and the instance holds nothing from it; marks the pool
   * when the ledger says it is empty, and records the instance as a holder when it answers with an
   * asset or the per-user bound (so its retries and later clicks still get the ledger's answer).
   */
  const throughGate = async <R extends IssueResult | NextIssueResult>(
    request: IssueRequest | NextIssueRequest,
    call: () => Promise<R>,
  ): Promise<R | { kind: 'out_of_stock' }> => {
    const { pool } = request;
    const holder = `${request.activityId}:${request.userId}`;
    const mark = await soldOut.read(pool, holder).catch((error: unknown) => {
      onMarkError(error);
      return undefined;
    });
    if (mark?.soldOut && !mark.holder) return { kind: 'out_of_stock' };
    const result = await places.run(call);
    if (result.kind === 'out_of_stock') {
      // The epoch read before the call: had the pool been reopened meanwhile, this mark is void.
      if (mark) soldOut.mark(pool, mark.epoch, soldOutTtlMs).catch(onMarkError);
    } else if (!mark?.holder) {
      soldOut.recordHolder(pool, holder, request.validForMs + HOLDER_GRACE_MS).catch(onMarkError);
    }
    return result;
  };
  return {
    async ensurePool(pool, total, shards) {
      const stock = await ledger.ensurePool(pool, total, shards);
      if (stock.remaining > 0) await soldOut.reopen(pool).catch(onMarkError);
      return stock;
    },
    issue: (request) => throughGate(request, () => ledger.issue(request)),
    issueNext: (request) => throughGate(request, () => ledger.issueNext(request)),
    listAssets: (activityId, userId) => ledger.listAssets(activityId, userId),
    getAsset: (assetId) => ledger.getAsset(assetId),
    redeem: (assetId, nowMs) => ledger.redeem(assetId, nowMs),
    stock: (pool) => ledger.stock(pool),
  };
}

/** A counting semaphore with a FIFO queue: at most `size` tasks run at once. */
class Places {
  readonly #size: number;
  #busy = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(size: number) {
    if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`ledger concurrency must be a whole number >= 1, got ${size}`);
    this.#size = size;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#busy >= this.#size) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#busy += 1;
    try {
      return await task();
    } finally {
      // Hand the place straight to the next waiter, so that a newcomer cannot overtake the queue.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#busy -= 1;
    }
  }
}
