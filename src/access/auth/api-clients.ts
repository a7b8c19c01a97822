import type { Scope } from './scopes.js';

/** A client of the API as the server knows it: its secrets (two during a rotation) and scopes. */
export interface ApiClient {
  readonly id: string;
  /** Never logged, answered or recorded: only HMAC keys. */
  readonly secrets: readonly string[];
  readonly scopes: ReadonlySet<Scope>;
  readonly rateLimit?: ClientRateLimit;
}

export interface RequestBudget {
  readonly max: number;
  readonly withinMs: number;
}

/** Requests a client may send: in all, and on events per user of that client. */
export interface ClientRateLimit extends RequestBudget {
  readonly perUser?: RequestBudget;
}

/** The clients in force: the config file's, read at start (a change needs a restart). */
export class ApiClients {
  readonly #byId: ReadonlyMap<string, ApiClient>;

  constructor(clients: readonly ApiClient[] = []) {
    this.#byId = new Map(clients.map((client) => [client.id, client]));
  }

  get(id: string): ApiClient | undefined {
    return this.#byId.get(id);
  }

  get size(): number {
    return this.#byId.size;
  }
}
