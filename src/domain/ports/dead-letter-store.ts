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
  markReplayed(id: string, atMs: number): Promise<void>;
}
