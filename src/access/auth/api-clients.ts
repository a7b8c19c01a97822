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

/** The clients in force: the file's, replaced whole when the configuration changes. */
export class ApiClients {
  #byId: ReadonlyMap<string, ApiClient>;

  constructor(clients: readonly ApiClient[] = []) {
    this.#byId = byId(clients);
  }

  get(id: string): ApiClient | undefined {
    return this.#byId.get(id);
  }

  get size(): number {
    return this.#byId.size;
  }

  replace(clients: readonly ApiClient[]): void {
    this.#byId = byId(clients);
  }
}

function byId(clients: readonly ApiClient[]): ReadonlyMap<string, ApiClient> {
  return new Map(clients.map((client) => [client.id, client]));
}
