import type { ConfigSubjectKind } from '../../domain/ports/change-feed.js';
import type { ChangeLog, ChangeLogQuery, ConfigChange, ConfigChangeEntry, FileHashSwap } from '../../domain/ports/change-log.js';

export class MemoryChangeLog implements ChangeLog {
  readonly #changes: ConfigChange[] = [];
  readonly #fileHashes = new Map<string, string>();

  async append(entry: ConfigChangeEntry): Promise<ConfigChange> {
    const change: ConfigChange = {
      seq: this.#changes.length + 1,
      at: new Date(entry.atMs).toISOString(),
      actor: entry.actor,
      kind: entry.kind,
      id: entry.id,
      // Stored as JSON text would be: later changes to the caller's objects do not reach the log.
      before: jsonCopy(entry.before),
      after: jsonCopy(entry.after),
    };
    this.#changes.push(change);
    return change;
  }

  async list(query: ChangeLogQuery): Promise<readonly ConfigChange[]> {
    const found: ConfigChange[] = [];
    for (let i = this.#changes.length - 1; i >= 0 && found.length < query.limit; i--) {
      const change = this.#changes[i] as ConfigChange;
      if (query.kind !== undefined && change.kind !== query.kind) continue;
      if (query.id !== undefined && change.id !== query.id) continue;
      found.push(change);
    }
    return found;
  }

  async appliedFileHash(kind: ConfigSubjectKind, id: string): Promise<string | undefined> {
    return this.#fileHashes.get(`${kind}:${id}`);
  }

  async swapAppliedFileHash(swap: FileHashSwap): Promise<boolean> {
    const key = `${swap.kind}:${swap.id}`;
    if (this.#fileHashes.get(key) !== swap.expected) return false;
    if (swap.next === undefined) this.#fileHashes.delete(key);
    else this.#fileHashes.set(key, swap.next);
    return true;
  }
}

function jsonCopy(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}
