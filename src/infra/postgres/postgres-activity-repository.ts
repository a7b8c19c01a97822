import type { Activity } from '../../domain/activity.js';
import type { ActivityRepository } from '../../domain/ports/activity-repository.js';
import type { PgRunner } from './pg-runner.js';

interface ActivityRow {
  /** Written by `put` from a whole `Activity`, and only by it. */
  data: Activity;
}

/**
 * Activities stored whole as JSONB: the aggregate keeps its own shape and evolves without a
 * migration per field. `channels` is copied into an indexed array for channel dispatch.
 */
export class PostgresActivityRepository implements ActivityRepository {
  readonly #runner: PgRunner;

  constructor(runner: PgRunner) {
    this.#runner = runner;
  }

  async get(activityId: string): Promise<Activity | undefined> {
    const result = await this.#runner.query<ActivityRow>('get activity', 'SELECT data FROM activities WHERE id = $1', [activityId]);
    return result.rows[0]?.data;
  }

  async listByChannel(channelCode: string): Promise<readonly Activity[]> {
    // `@>` (not `= ANY`) so that the GIN index on channels serves the lookup.
    const result = await this.#runner.query<ActivityRow>(
      'list activities by channel',
      'SELECT data FROM activities WHERE channels @> ARRAY[$1]::text[] ORDER BY id',
      [channelCode],
    );
    return result.rows.map((row) => row.data);
  }

  async list(): Promise<readonly Activity[]> {
    const result = await this.#runner.query<ActivityRow>('list activities', 'SELECT data FROM activities ORDER BY id');
    return result.rows.map((row) => row.data);
  }

  async put(activity: Activity): Promise<void> {
    await this.#runner.query(
      'put activity',
      `INSERT INTO activities (id, channels, data) VALUES ($1, $2::text[], $3::jsonb)
       ON CONFLICT (id) DO UPDATE SET channels = EXCLUDED.channels, data = EXCLUDED.data, updated_at = now()`,
      [activity.id, [...activity.channels], JSON.stringify(activity)],
    );
  }
}
