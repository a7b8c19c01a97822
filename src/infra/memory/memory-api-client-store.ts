import type { ApiClientStore, StoredClient } from '../../domain/ports/api-client-store.js';

/** This process's clients declared through the admin API (the embedded default). */
export class MemoryApiClientStore implements ApiClientStore {
  readonly #byId = new Map<string, StoredClient>();

  async list(): Promise<readonly StoredClient[]> {
    return [...this.#byId.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  async get(id: string): Promise<StoredClient | undefined> {
    return this.#byId.get(id);
  }

  async put(client: StoredClient): Promise<StoredClient | undefined> {
    const before = this.#byId.get(client.id);
    this.#byId.set(client.id, client);
    return before;
  }

  async delete(id: string): Promise<StoredClient | undefined> {
    const before = this.#byId.get(id);
    this.#byId.delete(id);
    return before;
  }
}
