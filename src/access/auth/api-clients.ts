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

/**
 * The clients in force: the config file's, read at start (a change needs a restart), and those
 * declared through the admin API, replaced whole whenever they change (see service/client-admin.ts).
 * A file client's id always wins: the admin API refuses to declare one again.
 */
export class ApiClients {
  readonly #fromFile: ReadonlyMap<string, ApiClient>;
  #fromApi: ReadonlyMap<string, ApiClient> = new Map();

  constructor(clients: readonly ApiClient[] = []) {
    this.#fromFile = new Map(clients.map((client) => [client.id, client]));
  }

  get(id: string): ApiClient | undefined {
    return this.#fromFile.get(id) ?? this.#fromApi.get(id);
  }

  /** Puts the admin API's clients in force, in place of the ones before. */
  replaceDeclaredThroughApi(clients: readonly ApiClient[]): void {
    this.#fromApi = new Map(clients.map((client) => [client.id, client]));
  }

  get size(): number {
    return this.#fromFile.size + [...this.#fromApi.keys()].filter((id) => !this.#fromFile.has(id)).length;
  }
}
