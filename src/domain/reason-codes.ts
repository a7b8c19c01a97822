/**
 * The reason codes of the built-in processors: short and stable, so that analytics and metrics can
 * group outcomes by them (the reason text names users, items and counts, and is unbounded).
 * An outcome without a code is grouped by the processor that decided it.
 */
export const REASON_CODES = {
  noPreparedOffer: 'no_prepared_offer',
  ruleFailed: 'rule_failed',
  perUserLimit: 'per_user_limit',
  periodLimit: 'period_limit',
  clickCap: 'click_cap',
  outOfStock: 'out_of_stock',
  alreadyHolds: 'already_holds',
  answeredBefore: 'answered_before',
  concurrentRound: 'concurrent_round',
  noViewedItems: 'no_viewed_items',
  itemsNotInCatalog: 'items_not_in_catalog',
} as const;

/** Longer codes (from an embedder's processors) are cut: a grouping key must stay small. */
export const MAX_REASON_CODE_LENGTH = 64;

/** The grouping key of a rejected or failed outcome: its code, else the deciding processor. */
export function reasonKey(reasonCode: string | undefined, decidedBy: string | undefined): string {
  return (reasonCode ?? decidedBy ?? 'unspecified').slice(0, MAX_REASON_CODE_LENGTH);
}
