import { isLive } from '../domain/activity.js';
import type { Processor } from '../domain/processor.js';
import type { ProcessorDeps } from './processor-deps.js';

/** Re-reads the activity at run time, so a play paused or ended since dispatch prepares nothing. */
export function queryActivity(deps: Pick<ProcessorDeps, 'activities'>): Processor {
  return {
    name: 'query-activity',
    validate: () => true,
    async process(ctx) {
      const current = await deps.activities.get(ctx.activity.id);
      if (!current) return ctx.stop('skipped', `activity ${ctx.activity.id} no longer exists`);
      if (!isLive(current, ctx.nowMs)) return ctx.stop('skipped', `activity ${ctx.activity.id} is ${current.status} or outside its window`);
    },
  };
}
