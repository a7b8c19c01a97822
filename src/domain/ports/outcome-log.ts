/**
 * What happened to an activity's instances, kept for analytics: appended off the issuance path
 * (never a counter inside the issuance transaction, which would be one hot row per activity) and
 * folded into hourly counts per activity × template version × status × reason.
 */
export type OutcomeRecord =
  | {
      readonly kind: 'issued';
      readonly activityId: string;
      readonly templateId: string;
      readonly version: string;
      readonly atMs: number;
      readonly assetId: string;
      /** Counted as expired in this hour unless it is redeemed first. */
      readonly expiresAtMs: number;
    }
  | {
      readonly kind: 'rejected' | 'failed';
      readonly activityId: string;
      readonly templateId: string;
      readonly version: string;
      readonly atMs: number;
      /** A bounded code (a processor's reason code or name), never free text: it is a grouping key. */
      readonly reason: string;
    }
  | {
      /** The version is the one the asset was issued under, resolved by the log. */
      readonly kind: 'redeemed';
      readonly activityId: string;
      readonly atMs: number;
      readonly assetId: string;
      readonly expiresAtMs: number;
    };

/**
 * `expiring`: assets issued that expire in this hour, less those redeemed before (so that, once
 * the hour is over, it is how many expired unused).
 */
export type RollupStatus = 'issued' | 'redeemed' | 'rejected' | 'failed' | 'expiring';

export interface HourlyOutcomeCount {
  readonly templateId: string;
  readonly version: string;
  /** Start of the hour (UTC), ms since the epoch. */
  readonly hourMs: number;
  readonly status: RollupStatus;
  /** `''` unless status is rejected or failed. */
  readonly reason: string;
  readonly count: number;
}

/** A redemption of an asset whose issuance was never recorded is counted under this version. */
export const UNKNOWN_VERSION = { templateId: '', version: '' } as const;

export interface OutcomeLog {
  /** Appends records; they count from the next read on, whichever process reads. */
  append(records: readonly OutcomeRecord[]): Promise<void>;
  /**
   * Folds appended records into the hourly counts, if no other process is doing it right now;
   * answers how many records were folded. Reads never depend on it having run.
   */
  refresh(): Promise<number>;
  /** The counts of the hours starting in [fromMs, toMs) of one activity, in no particular order. */
  hourly(activityId: string, fromMs: number, toMs: number): Promise<readonly HourlyOutcomeCount[]>;
}
