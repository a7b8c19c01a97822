import type { Processor } from '../domain/processor.js';
import type { ProcessorDeps } from './processor-deps.js';

/**
 * Stores what this chain prepared, with the activity's TTL. Under a lock the write carries the
 * lock's fencing token, so a holder that lost its lock cannot overwrite a newer holder's data.
 */
export function storePrepared(deps: Pick<ProcessorDeps, 'instances'>): Processor {
  return {
    name: 'store-prepared',
    validate: (ctx) => ctx.prepared?.eventId === ctx.params.eventId,
    async process(ctx) {
      if (!ctx.prepared) return;
      await deps.instances.putPrepared(ctx.instanceKey, ctx.prepared, ctx.activity.preparedTtlMs, ctx.lease?.fence);
      ctx.note({ ttlMs: ctx.activity.preparedTtlMs, ...(ctx.lease ? { fence: ctx.lease.fence } : {}) });
      ctx.settle('prepared');
    },
  };
}
