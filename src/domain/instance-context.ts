import type { Activity } from './activity.js';
import type { Asset } from './asset.js';
import type { OutcomeStatus } from './outcome.js';
import type { TraceStep } from './trace.js';

/** What the caller asked for: one event for one user on one channel. */
export interface ExecutionParams {
  readonly userId: string;
  readonly channelCode: string;
  readonly eventId: string;
  /** The request asks to lock the instance even if the template does not. */
  readonly lock: boolean;
  readonly payload: Readonly<Record<string, unknown>>;
  /** Evaluation time in epoch ms; windows, TTLs and expiries are judged against it. */
  readonly nowMs: number;
}

/** Prepared data as stored for an instance, stamped with the template version that made it. */
export interface PreparedData {
  readonly template: string;
  readonly preparedAt: string;
  readonly eventId: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** Held while the chain runs under a per-instance lock. */
export interface InstanceLease {
  /** Rises with every acquisition; writes carry it so that a stale holder's write is refused. */
  readonly fence: number;
  /** Aborted when the lock is lost; processors doing long work should watch it. */
  readonly signal: AbortSignal;
}

/**
 * One activity × one user, for the duration of one chain. Processors read and write it; the
 * template's context factory adds typed extensions (`ext`) that only its own processors know.
 */
export class InstanceContext<Ext extends object = object> {
  readonly activity: Activity;
  readonly params: ExecutionParams;
  /** `id@version` of the template this chain runs on; recorded in the outcome and trace. */
  readonly template: string;
  readonly ext: Ext;
  readonly lease: InstanceLease | undefined;
  readonly steps: TraceStep[] = [];

  prepared: PreparedData | undefined;
  /** The user's assets from this activity, once `query-asset` or the ledger has read them. */
  assets: readonly Asset[] | undefined;
  asset: Asset | undefined;
  output: Record<string, unknown> | undefined;
  /** Names of the processors still to run after the current one; the chain runner keeps it current. */
  upcoming: readonly string[] = [];
  /**
   * The processor that left its asset checks to a later processor's single ledger call
   * (`query-asset` to `send-benefit`), so that one round trip decides; undefined otherwise.
   */
  assetChecksDeferredBy: string | undefined;

  #status: OutcomeStatus | undefined;
  #reason: string | undefined;
  #reasonCode: string | undefined;
  #stopped = false;
  #notes: Record<string, unknown> | undefined;

  constructor(init: {
    activity: Activity;
    params: ExecutionParams;
    template: string;
    ext: Ext;
    lease?: InstanceLease;
  }) {
    this.activity = init.activity;
    this.params = init.params;
    this.template = init.template;
    this.ext = init.ext;
    this.lease = init.lease;
  }

  get userId(): string {
    return this.params.userId;
  }

  get nowMs(): number {
    return this.params.nowMs;
  }

  /** The instance's identity; also its lock and storage key. */
  get instanceKey(): InstanceKey {
    return { activityId: this.activity.id, userId: this.params.userId };
  }

  get status(): OutcomeStatus | undefined {
    return this.#status;
  }

  get reason(): string | undefined {
    return this.#reason;
  }

  /** A short, stable code for the reason (`out_of_stock`): what analytics group by, unlike the text. */
  get reasonCode(): string | undefined {
    return this.#reasonCode;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Records inputs the current processor decided on; they land in its trace step. */
  note(notes: Readonly<Record<string, unknown>>): void {
    this.#notes = { ...this.#notes, ...notes };
  }

  /**
   * Adds notes to the latest trace step of `processor`: the inputs of checks it deferred to a later
   * step land where they would have been had it made them itself.
   */
  amendNotes(processor: string, notes: Readonly<Record<string, unknown>>): void {
    const index = this.steps.findLastIndex((candidate) => candidate.processor === processor);
    const step = this.steps[index];
    if (step) this.steps[index] = { ...step, notes: { ...step.notes, ...notes } };
  }

  /** The current processor's notes, cleared for the next one (the chain runner calls this). */
  takeNotes(): Record<string, unknown> | undefined {
    const notes = this.#notes;
    this.#notes = undefined;
    return notes;
  }

  /** Records the outcome so far; the chain goes on. */
  settle(status: OutcomeStatus, reason?: string, reasonCode?: string): void {
    this.#status = status;
    this.#reason = reason;
    this.#reasonCode = reasonCode;
  }

  /** Records the outcome and ends the chain after the current processor. */
  stop(status: OutcomeStatus, reason?: string, reasonCode?: string): void {
    this.settle(status, reason, reasonCode);
    this.#stopped = true;
  }
}

export interface InstanceKey {
  readonly activityId: string;
  readonly userId: string;
}
