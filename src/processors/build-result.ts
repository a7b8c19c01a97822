import { toPublicAsset } from '../domain/asset.js';
import type { Processor } from '../domain/processor.js';
import { formatMoney, readItemOffer } from './item-offer.js';

/** Builds what the page shows: the copy and the offer behind the user's asset. */
export function buildResult(): Processor {
  return {
    name: 'build-result',
    validate: (ctx) => ctx.asset !== undefined,
    async process(ctx) {
      const asset = ctx.asset;
      if (!asset) return;
      const offer = readItemOffer(ctx.prepared?.data);
      const coupon = toPublicAsset(asset, ctx.nowMs);
      if (!offer) {
        ctx.output = { title: ctx.activity.name, coupon };
        return;
      }
      const { item, discountPercent, discountedPriceCents, recommendations } = offer;
      ctx.output = {
        title: `${discountPercent}% off ${item.name}`,
        message: `Your coupon brings ${item.name} from ${formatMoney(item.priceCents, item.currency)} to ${formatMoney(discountedPriceCents, item.currency)}. Valid until ${coupon.expiresAt}.`,
        item: { id: item.id, name: item.name, category: item.category },
        priceCents: item.priceCents,
        discountedPriceCents,
        currency: item.currency,
        recommendations: recommendations.map((r) => ({ id: r.id, name: r.name })),
        coupon,
      };
    },
  };
}
