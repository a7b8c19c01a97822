import { type Asset, withEffectiveStatus } from '../domain/asset.js';
import { ConflictError, NotFoundError } from '../domain/errors.js';
import type { PreparedData } from '../domain/instance-context.js';
import type { Clock } from '../domain/ports/clock.js';
import type { InstanceStore } from '../domain/ports/instance-store.js';
import type { RightsLedger } from '../domain/ports/rights-ledger.js';

/** Reads and redemption of what users hold: the queries behind the user-facing endpoints. */
export class UserRights {
  readonly #instances: InstanceStore;
  readonly #ledger: RightsLedger;
  readonly #clock: Clock;

  readonly #onRedeemed: (asset: Asset, atMs: number) => void;

  constructor(deps: {
    instances: InstanceStore;
    ledger: RightsLedger;
    clock: Clock;
    /** Told of each redemption (the outcome analytics); must not throw. */
    onRedeemed?: (asset: Asset, atMs: number) => void;
  }) {
    this.#instances = deps.instances;
    this.#ledger = deps.ledger;
    this.#clock = deps.clock;
    this.#onRedeemed = deps.onRedeemed ?? (() => {});
  }

  async instanceOf(activityId: string, userId: string): Promise<{ prepared: PreparedData | null; assets: Asset[] }> {
    const [prepared, assets] = await Promise.all([
      this.#instances.getPrepared({ activityId, userId }),
      this.#ledger.listAssets(activityId, userId),
    ]);
    const nowMs = this.#clock.nowMs();
    return { prepared: prepared ?? null, assets: assets.map((asset) => withEffectiveStatus(asset, nowMs)) };
  }

  /** Redeems a usable asset; redeeming one that is already redeemed or expired is a conflict. */
  async redeem(assetId: string): Promise<Asset> {
    const nowMs = this.#clock.nowMs();
    const result = await this.#ledger.redeem(assetId, nowMs);
    switch (result.kind) {
      case 'redeemed':
        this.#onRedeemed(result.asset, nowMs);
        return result.asset;
      case 'not_found':
        throw new NotFoundError('asset', assetId);
      case 'not_usable': {
        const { status } = withEffectiveStatus(result.asset, nowMs);
        throw new ConflictError(`asset ${assetId} is ${status} and cannot be redeemed`, [
          { path: 'assetId', message: `asset is ${status}; only an active asset can be redeemed` },
        ]);
      }
    }
  }
}
