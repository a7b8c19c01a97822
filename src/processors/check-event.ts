import type { Processor } from '../domain/processor.js';
import { REASON_CODES } from '../domain/reason-codes.js';
import type { ProcessorDeps } from './processor-deps.js';

/** A resource-position event needs the user's prepared data; without it there is nothing to offer. */
export function checkEvent(deps: Pick<ProcessorDeps, 'instances'>): Processor {
  return {
    name: 'check-event',
    validate: () => true,
    async process(ctx) {
      // The dispatcher already read it when the activity runs a rollout (to pin the version).
      const prepared = ctx.prepared ?? (await deps.instances.getPrepared(ctx.instanceKey));
      if (!prepared) {
        return ctx.stop(
          'rejected',
          `no prepared offer for user ${ctx.userId} in ${ctx.activity.id} yet: its behavior rule has not fired, or the prepared data expired`,
          REASON_CODES.noPreparedOffer,
        );
      }
      ctx.prepared = prepared;
      ctx.note({ prepared: { template: prepared.template, preparedAt: prepared.preparedAt, byEvent: prepared.eventId } });
    },
  };
}
