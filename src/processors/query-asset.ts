import { isUsable } from '../domain/asset.js';
import type { Processor } from '../domain/processor.js';
import type { ProcessorDeps } from './processor-deps.js';

/**
 * Reads the user's assets from this activity. A retried event gets the asset it already caused; a
 * user holding a usable asset gets that one back (`existing`) and nothing new is issued; a user
 * at the per-user bound is rejected.
 */
export function queryAsset(deps: Pick<ProcessorDeps, 'ledger'>): Processor {
  return {
    name: 'query-asset',
    validate: () => true,
    async process(ctx) {
      const assets = await deps.ledger.listAssets(ctx.activity.id, ctx.userId);
      ctx.assets = assets;
      const { perUser } = ctx.activity.benefit;
      ctx.note({ assetsHeld: assets.length, perUser, usable: assets.filter((asset) => isUsable(asset, ctx.nowMs)).map((a) => a.id) });
      const caused = assets.find((asset) => asset.eventId === ctx.params.eventId);
      if (caused) {
        ctx.asset = caused;
        return ctx.settle('issued', 'this event was answered before; the same asset is returned');
      }
      const usable = assets.find((asset) => isUsable(asset, ctx.nowMs));
      if (usable) {
        ctx.asset = usable;
        return ctx.settle('existing', 'the user already holds a usable asset from this activity');
      }
      if (assets.length >= perUser) {
        return ctx.stop('rejected', `per-user limit reached: the user already received ${assets.length} of ${perUser}`);
      }
    },
  };
}
