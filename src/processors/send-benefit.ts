import type { PerUserPerPeriod } from '../domain/activity.js';
import { isUsable } from '../domain/asset.js';
import { issuanceKey, nextRound } from '../domain/idempotency-key.js';
import type { InstanceContext } from '../domain/instance-context.js';
import type { IssueResult, NextIssueResult } from '../domain/ports/rights-ledger.js';
import type { Processor } from '../domain/processor.js';
import { REASON_CODES } from '../domain/reason-codes.js';
import type { ProcessorDeps } from './processor-deps.js';
import { ALREADY_HOLDS, ANSWERED_BEFORE, limitReached } from './query-asset.js';

/**
 * Issues the benefit through the rights ledger under an idempotency key derived from business
 * identity (activity × user × round): concurrent clicks and retries of one round all carry the same
 * key, so at most one of them takes stock. Skipped when the user already has an asset in hand.
 *
 * When nothing has read the user's assets yet (query-asset deferred its checks, or is not in the
 * chain), one ledger call (`issueNext`) makes the checks, derives the round's key and writes.
 */
export function sendBenefit(deps: Pick<ProcessorDeps, 'ledger'>): Processor {
  return {
    name: 'send-benefit',
    validate: (ctx) => ctx.asset === undefined,
    async process(ctx) {
      const { activity } = ctx;
      const request = {
        activityId: activity.id,
        userId: ctx.userId,
        pool: activity.benefit.pool,
        perUser: activity.benefit.perUser,
        validForMs: activity.benefit.validForMs,
        eventId: ctx.params.eventId,
        nowMs: ctx.nowMs,
        ...(activity.benefit.perUserPer ? { perUserPer: activity.benefit.perUserPer } : {}),
      };
      if (ctx.assets === undefined) return settleNext(ctx, await deps.ledger.issueNext(request));
      const idempotencyKey = issuanceKey(activity.id, ctx.userId, nextRound(ctx.assets));
      const result = await deps.ledger.issue({ ...request, idempotencyKey });
      ctx.note({ idempotencyKey, ledger: result.kind, pool: activity.benefit.pool, ...assetNote(result) });
      settleIssue(ctx, result);
    },
  };
}

function settleNext(ctx: InstanceContext, result: NextIssueResult) {
  const { benefit } = ctx.activity;
  ctx.note({
    ...(result.idempotencyKey === undefined ? {} : { idempotencyKey: result.idempotencyKey }),
    ledger: result.kind,
    pool: benefit.pool,
    ...assetNote(result),
  });
  const deferredBy = ctx.assetChecksDeferredBy;
  if (deferredBy !== undefined && result.assetsHeld !== undefined) {
    const found = 'asset' in result && result.kind !== 'issued' && isUsable(result.asset, ctx.nowMs) ? [result.asset.id] : [];
    ctx.amendNotes(deferredBy, { assetsHeld: result.assetsHeld, usable: found });
  }
  switch (result.kind) {
    case 'caused':
      ctx.asset = result.asset;
      return ctx.settle('issued', ANSWERED_BEFORE, REASON_CODES.answeredBefore);
    case 'held':
      ctx.asset = result.asset;
      return ctx.settle('existing', ALREADY_HOLDS, REASON_CODES.alreadyHolds);
    case 'limit_reached':
      return ctx.stop('rejected', limitReached(result.held, benefit.perUser), REASON_CODES.perUserLimit);
    default:
      return settleIssue(ctx, result);
  }
}

function settleIssue(ctx: InstanceContext, result: IssueResult) {
  const { benefit } = ctx.activity;
  switch (result.kind) {
    case 'issued':
      ctx.asset = result.asset;
      return ctx.settle('issued');
    case 'existing':
    case 'held':
      ctx.asset = result.asset;
      if (result.asset.eventId === ctx.params.eventId) return ctx.settle('issued', ANSWERED_BEFORE, REASON_CODES.answeredBefore);
      return ctx.settle('existing', 'a concurrent request issued the asset for this round', REASON_CODES.concurrentRound);
    case 'out_of_stock':
      return ctx.stop('rejected', `out of stock: pool ${benefit.pool} is empty`, REASON_CODES.outOfStock);
    case 'limit_reached':
      return ctx.stop('rejected', limitReached(result.held, benefit.perUser), REASON_CODES.perUserLimit);
    case 'period_limit_reached':
      ctx.note({ cap: PER_USER_PER_CAP, issuedInPeriod: result.issuedInPeriod, periodStart: result.periodStart });
      return ctx.stop(
        'rejected',
        periodCapReached(ctx.activity.benefit.perUserPer, result.issuedInPeriod, result.periodStart),
        REASON_CODES.periodLimit,
      );
  }
}

/** The field that names the frequency cap, as explain and reasons name it. */
export const PER_USER_PER_CAP = 'benefit.perUserPer';

function periodCapReached(cap: PerUserPerPeriod | undefined, issuedInPeriod: number, periodStart: string): string {
  const allowed = cap ? `${cap.count} per ${cap.period} (${cap.timeZone})` : 'its count per period';
  return `frequency cap ${PER_USER_PER_CAP} reached: it allows ${allowed}, and the user received ${issuedInPeriod} since ${periodStart}`;
}

function assetNote(result: NextIssueResult): { assetId?: string } {
  return 'asset' in result ? { assetId: result.asset.id } : {};
}
