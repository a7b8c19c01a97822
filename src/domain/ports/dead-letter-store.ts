export interface DeadLetter {
  readonly id: string;
  readonly body: string;
  readonly reason: string;
  readonly attempts: number;
  readonly source: string;
  readonly createdAt: string;
  readonly replayedAt?: string;
}

/** Messages that could not be parsed or kept failing, kept durably for listing and replay. */
export interface DeadLetterStore {
  add(entry: Omit<DeadLetter, 'id' | 'createdAt' | 'replayedAt'>): Promise<DeadLetter>;
  list(options?: { limit?: number; includeReplayed?: boolean }): Promise<readonly DeadLetter[]>;
  get(id: string): Promise<DeadLetter | undefined>;
  /**
   * Marks the letter replayed at `atMs` if nobody has yet, atomically, so that two concurrent
   * replays cannot both publish; the claimed letter, or undefined (unknown, or replayed already).
   */
  claimReplay(id: string, atMs: number): Promise<DeadLetter | undefined>;
  /** Undoes a claim whose publish failed, so the letter can be replayed again. */
  releaseReplay(id: string): Promise<void>;
}
