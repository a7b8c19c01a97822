/** Requests a client may send within a window, as the config file's `rateLimit` compiles. */
export interface StoredRateLimit {
  readonly max: number;
  readonly withinMs: number;
  readonly perUser?: { readonly max: number; readonly withinMs: number };
}

/**
 * An API client declared through the admin API. Exactly one of `secretEnv` (a variable every
 * process reads) and `secrets` (one, or two during a rotation) is set. Signing is HMAC, so the
 * server needs the secrets themselves: they are stored, and never answered, logged or recorded.
 */
export interface StoredClient {
  readonly id: string;
  readonly scopes: readonly string[];
  readonly rateLimit?: StoredRateLimit;
  readonly secretEnv?: string;
  readonly secrets?: readonly string[];
}

/** The clients declared through the admin API: PostgreSQL with DATABASE_URL, else this process's memory. */
export interface ApiClientStore {
  /** Every stored client, by id. */
  list(): Promise<readonly StoredClient[]>;
  get(id: string): Promise<StoredClient | undefined>;
  /** Creates or replaces the client; answers the client it replaced. */
  put(client: StoredClient): Promise<StoredClient | undefined>;
  /** Answers the client removed, or undefined when there was none. */
  delete(id: string): Promise<StoredClient | undefined>;
}
