import type { Activity } from '../domain/activity.js';
import type { ActivityRepository } from '../domain/ports/activity-repository.js';
import { deepFreeze } from './canonical-json.js';

/** One immutable view of every activity; replaced whole, never edited. */
class Snapshot {
  readonly all: readonly Activity[];
  readonly #byId: ReadonlyMap<string, Activity>;
  readonly #byChannel: ReadonlyMap<string, readonly Activity[]>;

  constructor(all: readonly Activity[]) {
    this.all = all;
    this.#byId = new Map(all.map((activity) => [activity.id, activity]));
    const byChannel = new Map<string, Activity[]>();
    for (const activity of all) {
      for (const channel of new Set(activity.channels)) {
        const bound = byChannel.get(channel);
        if (bound) bound.push(activity);
        else byChannel.set(channel, [activity]);
      }
    }
    this.#byChannel = byChannel;
  }

  get(id: string): Activity | undefined {
    return this.#byId.get(id);
  }

  byChannel(channelCode: string): readonly Activity[] {
    return this.#byChannel.get(channelCode) ?? [];
  }

  /** A new snapshot with `activity` in place of the one with its id (or added at the end). */
  with(activity: Activity): Snapshot {
    const replaced = this.all.some((a) => a.id === activity.id);
    return new Snapshot(replaced ? this.all.map((a) => (a.id === activity.id ? activity : a)) : [...this.all, activity]);
  }
}

/**
 * Serves every read from an in-memory snapshot, so that dispatch never queries the store per
 * event; `refresh` replaces the snapshot whole (on a change notice, and periodically as a safety
 * net). Activities are frozen: a chain in flight keeps the object it started with, and the next
 * snapshot brings new objects rather than editing that one.
 */
export class CachedActivityRepository implements ActivityRepository {
  readonly #inner: ActivityRepository;
  #snapshot: Snapshot | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  /** Rises with every write through this cache: a load that overlapped one is not installed. */
  #writes = 0;

  constructor(inner: ActivityRepository) {
    this.#inner = inner;
  }

  async get(activityId: string): Promise<Activity | undefined> {
    return this.#snapshot ? this.#snapshot.get(activityId) : this.#inner.get(activityId);
  }

  async listByChannel(channelCode: string): Promise<readonly Activity[]> {
    return this.#snapshot ? this.#snapshot.byChannel(channelCode) : this.#inner.listByChannel(channelCode);
  }

  async list(): Promise<readonly Activity[]> {
    return this.#snapshot ? this.#snapshot.all : this.#inner.list();
  }

  /** Writes through, and this process sees its own write at once. */
  async put(activity: Activity): Promise<void> {
    await this.#inner.put(activity);
    this.#writes += 1;
    if (this.#snapshot) this.#snapshot = this.#snapshot.with(deepFreeze(activity));
  }

  /**
   * Reloads the snapshot from the store. Calls while a reload runs share it and cause one more
   * after it, so the snapshot installed last was read after the last call began.
   */
  refresh(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#reload().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #reload(): Promise<void> {
    do {
      this.#again = false;
      const writes = this.#writes;
      const all = await this.#inner.list();
      // A write landed while the store was read: what was read may predate it; read again.
      if (writes !== this.#writes) {
        this.#again = true;
        continue;
      }
      this.#snapshot = new Snapshot(all.map((activity) => deepFreeze(activity)));
    } while (this.#again);
  }
}
