import type { Asset } from '../domain/asset.js';
import type { Outcome } from '../domain/outcome.js';
import type { OutcomeLog, OutcomeRecord } from '../domain/ports/outcome-log.js';
import { REASON_CODES, reasonKey } from '../domain/reason-codes.js';
import { parseTemplateRef } from '../domain/template-ref.js';
import type { ChainTrace } from '../domain/trace.js';

export interface OutcomeRecorderOptions {
  /** How often buffered outcomes are appended to the log; default 1 s. */
  readonly flushEveryMs?: number;
  /** A batch this large is appended at once, without waiting for the timer; default 500. */
  readonly batchSize?: number;
  /** While the log is unreachable, at most this many outcomes wait; the oldest are dropped. */
  readonly maxBuffered?: number;
  /** How often this process offers to fold the log into its hourly rollup; default 15 s. */
  readonly refreshEveryMs?: number;
  readonly onError?: (what: 'append' | 'refresh', error: unknown) => void;
}

export const DEFAULT_OUTCOME_FLUSH_MS = 1_000;
const DEFAULT_BATCH_SIZE = 500;
const DEFAULT_MAX_BUFFERED = 50_000;
const DEFAULT_REFRESH_MS = 15_000;

/**
 * Turns finished chains and redemptions into outcome records and appends them to the outcome log
 * in batches, off the issuance path: a chain never waits on analytics, and a batch costs one
 * INSERT. What is buffered when the process dies unannounced is lost (at most one flush interval):
 * the stats are analytics, the ledger stays the record of what was issued.
 */
export class OutcomeRecorder {
  readonly #log: OutcomeLog;
  readonly #flushEveryMs: number;
  readonly #batchSize: number;
  readonly #maxBuffered: number;
  readonly #refreshEveryMs: number;
  readonly #onError: NonNullable<OutcomeRecorderOptions['onError']>;
  #buffer: OutcomeRecord[] = [];
  #flushing: Promise<void> | undefined;
  #flushTimer: NodeJS.Timeout | undefined;
  #refreshTimer: NodeJS.Timeout | undefined;
  #dropped = 0;

  constructor(log: OutcomeLog, options: OutcomeRecorderOptions = {}) {
    this.#log = log;
    this.#flushEveryMs = options.flushEveryMs ?? DEFAULT_OUTCOME_FLUSH_MS;
    this.#batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.#maxBuffered = options.maxBuffered ?? DEFAULT_MAX_BUFFERED;
    this.#refreshEveryMs = options.refreshEveryMs ?? DEFAULT_REFRESH_MS;
    this.#onError = options.onError ?? (() => {});
  }

  /** Outcomes dropped because the log stayed unreachable while the buffer was full. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Starts the periodic refresh; flushes are scheduled as outcomes arrive. */
  start(): void {
    this.#refreshTimer ??= setInterval(() => {
      this.#log.refresh().catch((error: unknown) => this.#onError('refresh', error));
    }, this.#refreshEveryMs);
    this.#refreshTimer.unref();
  }

  /** What a finished chain adds: a new issuance, a rejection by reason code, or a failure. */
  chainFinished(trace: ChainTrace, outcome: Outcome): void {
    const record = recordOf(trace, outcome);
    if (record) this.#push(record);
  }

  redeemed(asset: Asset, atMs: number): void {
    this.#push({ kind: 'redeemed', activityId: asset.activityId, atMs, assetId: asset.id, expiresAtMs: Date.parse(asset.expiresAt) });
  }

  /** Appends everything buffered now (a stats read calls it, so that it sees this process's outcomes). */
  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing;
    if (this.#buffer.length === 0) return;
    this.#clearFlushTimer();
    const batch = this.#buffer;
    this.#buffer = [];
    this.#flushing = this.#log
      .append(batch)
      .catch((error: unknown) => {
        // Kept for the next flush, newest last, within the bound.
        this.#buffer = [...batch, ...this.#buffer];
        this.#trim();
        this.#scheduleFlush();
        this.#onError('append', error);
      })
      .finally(() => {
        this.#flushing = undefined;
      });
    await this.#flushing;
  }

  async close(): Promise<void> {
    if (this.#refreshTimer) clearInterval(this.#refreshTimer);
    this.#refreshTimer = undefined;
    this.#clearFlushTimer();
    await this.flush();
    this.#clearFlushTimer();
  }

  #push(record: OutcomeRecord): void {
    this.#buffer.push(record);
    this.#trim();
    if (this.#buffer.length >= this.#batchSize) void this.flush();
    else this.#scheduleFlush();
  }

  #trim(): void {
    const excess = this.#buffer.length - this.#maxBuffered;
    if (excess > 0) {
      this.#buffer.splice(0, excess);
      this.#dropped += excess;
    }
  }

  #scheduleFlush(): void {
    if (this.#flushTimer) return;
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = undefined;
      void this.flush();
    }, this.#flushEveryMs);
    this.#flushTimer.unref();
  }

  #clearFlushTimer(): void {
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
  }
}

/**
 * Only a fresh issuance counts as issued: a retried event answered with the asset it caused
 * before (`answered_before`) issued nothing new. `existing`, `prepared` and `skipped` are not
 * outcomes the stats count.
 */
export function recordOf(trace: ChainTrace, outcome: Outcome): OutcomeRecord | undefined {
  if (trace.dryRun) return undefined;
  const ref = parseTemplateRef(trace.template) ?? { id: trace.template, version: '' };
  const base = { activityId: trace.activityId, templateId: ref.id, version: ref.version, atMs: Date.parse(trace.startedAt) };
  switch (outcome.status) {
    case 'issued':
      if (!outcome.asset || trace.reasonCode === REASON_CODES.answeredBefore) return undefined;
      // The ledger's time (the app's clock), as the asset carries it.
      return {
        ...base,
        kind: 'issued',
        atMs: Date.parse(outcome.asset.issuedAt),
        assetId: outcome.asset.id,
        expiresAtMs: Date.parse(outcome.asset.expiresAt),
      };
    case 'rejected':
      return { ...base, kind: 'rejected', reason: reasonKey(trace.reasonCode, trace.decidedBy) };
    case 'failed':
      return { ...base, kind: 'failed', reason: reasonKey(undefined, trace.decidedBy ?? 'dispatch') };
    default:
      return undefined;
  }
}
