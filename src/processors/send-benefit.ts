import { issuanceKey, nextRound } from '../domain/idempotency-key.js';
import type { Processor } from '../domain/processor.js';
import type { ProcessorDeps } from './processor-deps.js';

/**
 * Issues the benefit through the rights ledger under an idempotency key derived from business
 * identity (activity × user × round): concurrent clicks and retries of one round all carry the same
 * key, so at most one of them takes stock. Skipped when the user already has an asset in hand.
 */
export function sendBenefit(deps: Pick<ProcessorDeps, 'ledger'>): Processor {
  return {
    name: 'send-benefit',
    validate: (ctx) => ctx.asset === undefined,
    async process(ctx) {
      const { activity } = ctx;
      const assets = ctx.assets ?? (await deps.ledger.listAssets(activity.id, ctx.userId));
      const idempotencyKey = issuanceKey(activity.id, ctx.userId, nextRound(assets));
      const result = await deps.ledger.issue({
        activityId: activity.id,
        userId: ctx.userId,
        pool: activity.benefit.pool,
        perUser: activity.benefit.perUser,
        validForMs: activity.benefit.validForMs,
        idempotencyKey,
        eventId: ctx.params.eventId,
        nowMs: ctx.nowMs,
      });
      ctx.note({
        idempotencyKey,
        ledger: result.kind,
        pool: activity.benefit.pool,
        ...('asset' in result ? { assetId: result.asset.id } : {}),
      });
      switch (result.kind) {
        case 'issued':
          ctx.asset = result.asset;
          return ctx.settle('issued');
        case 'existing':
        case 'held':
          ctx.asset = result.asset;
          if (result.asset.eventId === ctx.params.eventId)
            return ctx.settle('issued', 'this event was answered before; the same asset is returned');
          return ctx.settle('existing', 'a concurrent request issued the asset for this round');
        case 'out_of_stock':
          return ctx.stop('rejected', `out of stock: pool ${activity.benefit.pool} is empty`);
        case 'limit_reached':
          return ctx.stop('rejected', `per-user limit reached: the user already received ${result.held} of ${activity.benefit.perUser}`);
      }
    },
  };
}
