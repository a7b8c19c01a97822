import type { Activity } from '../../domain/activity.js';
import type { ActivityRepository } from '../../domain/ports/activity-repository.js';

export class MemoryActivityRepository implements ActivityRepository {
  readonly #activities = new Map<string, Activity>();

  constructor(activities: readonly Activity[] = []) {
    for (const activity of activities) this.#activities.set(activity.id, activity);
  }

  async get(activityId: string): Promise<Activity | undefined> {
    return this.#activities.get(activityId);
  }

  async listByChannel(channelCode: string): Promise<readonly Activity[]> {
    return [...this.#activities.values()].filter((a) => a.channels.includes(channelCode));
  }

  async list(): Promise<readonly Activity[]> {
    return [...this.#activities.values()];
  }

  async put(activity: Activity): Promise<void> {
    this.#activities.set(activity.id, activity);
  }
}
