import type { Activity } from '../activity.js';

/** Where activities live: config file (memory) or PostgreSQL. */
export interface ActivityRepository {
  get(activityId: string): Promise<Activity | undefined>;
  /** Every activity bound to the channel, whatever its status or window; the caller filters. */
  listByChannel(channelCode: string): Promise<readonly Activity[]>;
  list(): Promise<readonly Activity[]>;
  put(activity: Activity): Promise<void>;
}
