import type { CatalogItem } from '../domain/ports/catalog.js';

/** The prepared data of the item-promotion play, as stored for the instance. */
export interface ItemOffer {
  readonly item: CatalogItem;
  readonly discountPercent: number;
  readonly discountedPriceCents: number;
  readonly viewedItemIds: readonly string[];
  readonly recommendations: readonly CatalogItem[];
}

export function readItemOffer(data: Readonly<Record<string, unknown>> | undefined): ItemOffer | undefined {
  const offer = data?.offer;
  return offer && typeof offer === 'object' ? (offer as ItemOffer) : undefined;
}

/** Discounts in whole cents, rounded half up, so a 10% coupon on 19.99 shows 17.99. */
export function discountedCents(priceCents: number, discountPercent: number): number {
  return Math.round((priceCents * (100 - discountPercent)) / 100);
}

export function formatMoney(cents: number, currency: string): string {
  return `${(cents / 100).toFixed(2)} ${currency}`;
}
