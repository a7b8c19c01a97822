import { randomUUID } from 'node:crypto';
import type { DeadLetter, DeadLetterStore } from '../../domain/ports/dead-letter-store.js';

export class MemoryDeadLetterStore implements DeadLetterStore {
  readonly #entries = new Map<string, DeadLetter>();

  async add(entry: Omit<DeadLetter, 'id' | 'createdAt' | 'replayedAt'>): Promise<DeadLetter> {
    const letter: DeadLetter = { ...entry, id: randomUUID(), createdAt: new Date().toISOString() };
    this.#entries.set(letter.id, letter);
    return letter;
  }

  async list(options: { limit?: number; includeReplayed?: boolean } = {}): Promise<readonly DeadLetter[]> {
    const all = [...this.#entries.values()].filter((l) => options.includeReplayed || !l.replayedAt);
    return all.reverse().slice(0, options.limit ?? 100);
  }

  async get(id: string): Promise<DeadLetter | undefined> {
    return this.#entries.get(id);
  }

  async claimReplay(id: string, atMs: number): Promise<DeadLetter | undefined> {
    const letter = this.#entries.get(id);
    if (!letter || letter.replayedAt) return undefined;
    const claimed = { ...letter, replayedAt: new Date(atMs).toISOString() };
    this.#entries.set(id, claimed);
    return claimed;
  }

  async releaseReplay(id: string): Promise<void> {
    const letter = this.#entries.get(id);
    if (letter?.replayedAt) {
      const { replayedAt: _undone, ...unclaimed } = letter;
      this.#entries.set(id, unclaimed);
    }
  }
}
