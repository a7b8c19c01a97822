import { isUsable } from '../domain/asset.js';
import type { Processor } from '../domain/processor.js';
import { REASON_CODES } from '../domain/reason-codes.js';
import type { ProcessorDeps } from './processor-deps.js';

/**
 * Checks the user's assets from this activity. A retried event gets the asset it already caused; a
 * user holding a usable asset gets that one back (`existing`) and nothing new is issued; a user
 * at the per-user bound is rejected.
 *
 * When `send-benefit` runs later in the chain, these checks are left to its single ledger call,
 * which makes them in the same order, atomically with the write: one PostgreSQL round trip decides
 * a click instead of a read here and the same read again inside the issuance. The notes of this
 * step are filled in from that call's answer.
 */
export function queryAsset(deps: Pick<ProcessorDeps, 'ledger'>): Processor {
  return {
    name: 'query-asset',
    validate: () => true,
    async process(ctx) {
      const { perUser } = ctx.activity.benefit;
      if (ctx.upcoming.includes('send-benefit')) {
        ctx.assetChecksDeferredBy = 'query-asset';
        ctx.note({ perUser, checkedBy: 'send-benefit (one ledger call)' });
        return;
      }
      const assets = await deps.ledger.listAssets(ctx.activity.id, ctx.userId);
      ctx.assets = assets;
      ctx.note({ assetsHeld: assets.length, perUser, usable: assets.filter((asset) => isUsable(asset, ctx.nowMs)).map((a) => a.id) });
      const caused = assets.find((asset) => asset.eventId === ctx.params.eventId);
      if (caused) {
        ctx.asset = caused;
        return ctx.settle('issued', ANSWERED_BEFORE, REASON_CODES.answeredBefore);
      }
      const usable = assets.find((asset) => isUsable(asset, ctx.nowMs));
      if (usable) {
        ctx.asset = usable;
        return ctx.settle('existing', ALREADY_HOLDS, REASON_CODES.alreadyHolds);
      }
      if (assets.length >= perUser) {
        return ctx.stop('rejected', limitReached(assets.length, perUser), REASON_CODES.perUserLimit);
      }
    },
  };
}

export const ANSWERED_BEFORE = 'this event was answered before; the same asset is returned';
export const ALREADY_HOLDS = 'the user already holds a usable asset from this activity';
export const limitReached = (held: number, perUser: number) => `per-user limit reached: the user already received ${held} of ${perUser}`;
