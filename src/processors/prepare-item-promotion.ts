import type { Processor } from '../domain/processor.js';
import { REASON_CODES } from '../domain/reason-codes.js';
import { discountedCents, type ItemOffer } from './item-offer.js';
import type { ProcessorDeps } from './processor-deps.js';

/**
 * Turns the items a user viewed into a personalised offer: product info from the catalog, the most
 * viewed item (the dearest on a tie) as the offer, recall of similar items as recommendations, and
 * the discounted price from the activity's `params.discountPercent`.
 */
export function prepareItemPromotion(deps: Pick<ProcessorDeps, 'catalog' | 'recall'>): Processor {
  return {
    name: 'prepare-item-promotion',
    readsCatalog: true,
    validate: () => true,
    async process(ctx) {
      const viewed = viewedItemIds(ctx.params.payload);
      if (viewed.length === 0)
        return ctx.stop('rejected', 'the behavior payload names no viewed items (payload.itemIds)', REASON_CODES.noViewedItems);
      const items = await deps.catalog.getItems([...new Set(viewed)]);
      if (items.length === 0)
        return ctx.stop('rejected', `none of the viewed items is in the catalog: ${viewed.join(', ')}`, REASON_CODES.itemsNotInCatalog);
      const views = new Map<string, number>();
      for (const id of viewed) views.set(id, (views.get(id) ?? 0) + 1);
      const [item] = [...items].sort((a, b) => (views.get(b.id) ?? 0) - (views.get(a.id) ?? 0) || b.priceCents - a.priceCents);
      if (!item) return;
      const discountPercent = numberParam(ctx.activity.params.discountPercent, 10);
      const recallLimit = numberParam(ctx.activity.params.recallLimit, 5);
      const recalled = await deps.recall.recall({ userId: ctx.userId, seedItems: items, limit: recallLimit + items.length });
      const offer: ItemOffer = {
        item,
        discountPercent,
        discountedPriceCents: discountedCents(item.priceCents, discountPercent),
        viewedItemIds: [...views.keys()],
        recommendations: recalled.filter((r) => !views.has(r.id)).slice(0, recallLimit),
      };
      ctx.note({ viewed: offer.viewedItemIds, offerItem: item.id, discountPercent, recommendations: offer.recommendations.length });
      ctx.prepared = {
        template: ctx.template,
        preparedAt: new Date(ctx.nowMs).toISOString(),
        eventId: ctx.params.eventId,
        data: { offer },
      };
    },
  };
}

function viewedItemIds(payload: Readonly<Record<string, unknown>>): string[] {
  const { itemIds, itemId } = payload;
  if (Array.isArray(itemIds)) return itemIds.filter((id): id is string => typeof id === 'string');
  return typeof itemId === 'string' ? [itemId] : [];
}

function numberParam(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}
