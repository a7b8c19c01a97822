/**
 * The nonces of signed client requests. A signed request is accepted once: its nonce is claimed
 * for as long as its timestamp keeps it acceptable, so a captured request cannot be sent again.
 */
export interface NonceStore {
  /**
   * Claims `nonce` of `clientId` for `ttlMs`, atomically across every process sharing the store.
   * True for the first claim; false while an earlier claim of the same nonce stands (a replay).
   */
  claimOnce(clientId: string, nonce: string, ttlMs: number): Promise<boolean>;
}
