import type { Asset } from './asset.js';

/**
 * The issuance idempotency key comes from business identity, never from a random id:
 * activity × user × round, where the round is how many assets the user already received from the
 * activity. Every attempt in the same round — a retried event, or hundreds of concurrent clicks —
 * derives the same key, so the ledger's unique constraint lets exactly one of them write. Once the
 * user's asset is redeemed or expired, the next click is a new round and gets a new key.
 */
export function issuanceKey(activityId: string, userId: string, round: number): string {
  return `${activityId}:${userId}:${round}`;
}

/** The round a new issuance would belong to, given every asset the user holds from the activity. */
export function nextRound(assets: readonly Asset[]): number {
  return assets.length;
}
