import { ConflictError, NotFoundError } from '../domain/errors.js';
import type { ApiClientStore, StoredClient, StoredRateLimit } from '../domain/ports/api-client-store.js';
import type { ConfigChanges } from './config-changes.js';

/** A client as the admin API answers it and the change log records it: never a secret. */
export interface ClientView {
  readonly id: string;
  readonly scopes: readonly string[];
  readonly rateLimit?: StoredRateLimit;
  /** The variable holding the secret(s), when the client names one. */
  readonly secretEnv?: string;
  /** The client's secrets are stored (through the API); how many: two during a rotation. */
  readonly secretSet?: true;
  readonly secretCount?: number;
  /** `file`: declared in the config file (read-only here); `api`: declared through the admin API. */
  readonly source: 'file' | 'api';
}

/** A client the config file declares, as far as the admin API shows it. */
export interface FileClient {
  readonly id: string;
  readonly scopes: readonly string[];
  readonly rateLimit?: StoredRateLimit;
  readonly secretEnv: string;
}

export interface ClientAdminDeps {
  readonly store: ApiClientStore;
  readonly changes: ConfigChanges;
  readonly fileClients: () => readonly FileClient[];
  /**
   * Puts the stored clients in force in this process (the app resolves their secrets); called
   * after every change made here and every refresh.
   */
  readonly install: (clients: readonly StoredClient[]) => void;
}

/**
 * Clients declared through the admin API: stored (PostgreSQL with DATABASE_URL), recorded in the
 * change log with their secrets redacted, and announced on the change feed so that every process
 * reloads them within seconds. A client the config file declares cannot be changed here (409): the
 * file would disagree with the API after the next restart, and its secret lives in the environment.
 */
export class ClientAdmin {
  readonly #deps: ClientAdminDeps;

  constructor(deps: ClientAdminDeps) {
    this.#deps = deps;
  }

  async list(): Promise<readonly ClientView[]> {
    const stored = await this.#deps.store.list();
    const fromFile = this.#deps.fileClients().map(fileView);
    return [...fromFile, ...stored.map(storedView)].sort((a, b) => a.id.localeCompare(b.id));
  }

  async put(client: StoredClient, options: { actor: string }): Promise<ClientView> {
    this.#refuseFileClient(client.id, 'changed');
    const before = await this.#deps.store.put(client);
    await this.refresh();
    await this.#deps.changes.record({
      kind: 'client',
      id: client.id,
      before: before ? storedView(before) : null,
      after: storedView(client),
      actor: options.actor,
    });
    return storedView(client);
  }

  async delete(id: string, options: { actor: string }): Promise<ClientView> {
    this.#refuseFileClient(id, 'deleted');
    const before = await this.#deps.store.delete(id);
    if (!before) throw new NotFoundError('client', id);
    await this.refresh();
    await this.#deps.changes.record({ kind: 'client', id, before: storedView(before), after: null, actor: options.actor });
    return storedView(before);
  }

  /** Reloads the stored clients into this process: after a change elsewhere, or periodically. */
  async refresh(): Promise<void> {
    this.#deps.install(await this.#deps.store.list());
  }

  #refuseFileClient(id: string, what: string): void {
    if (this.#deps.fileClients().some((client) => client.id === id)) {
      throw new ConflictError(`client '${id}' is declared in the config file and cannot be ${what} through the admin API`, [
        { path: 'params.clientId', message: 'declared in the config file: change it there' },
      ]);
    }
  }
}

function fileView(client: FileClient): ClientView {
  return {
    id: client.id,
    scopes: client.scopes,
    ...(client.rateLimit ? { rateLimit: client.rateLimit } : {}),
    secretEnv: client.secretEnv,
    source: 'file',
  };
}

/** Everything but the secrets: whether they are set and how many. */
export function storedView(client: StoredClient): ClientView {
  return {
    id: client.id,
    scopes: client.scopes,
    ...(client.rateLimit ? { rateLimit: client.rateLimit } : {}),
    ...(client.secretEnv === undefined ? {} : { secretEnv: client.secretEnv }),
    ...(client.secrets === undefined ? {} : { secretSet: true as const, secretCount: client.secrets.length }),
    source: 'api',
  };
}
