export interface CatalogItem {
  readonly id: string;
  readonly name: string;
  readonly category: string;
  /** Price in the smallest currency unit (cents) so that discounts never meet float rounding. */
  readonly priceCents: number;
  readonly currency: string;
}

/** Product information. */
export interface Catalog {
  getItems(itemIds: readonly string[]): Promise<readonly CatalogItem[]>;
}

/** Candidate items for a user, e.g. an algorithmic recall service. */
export interface Recall {
  recall(request: { userId: string; seedItems: readonly CatalogItem[]; limit: number }): Promise<readonly CatalogItem[]>;
}
