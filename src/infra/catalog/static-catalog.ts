import { readFile } from 'node:fs/promises';
import type { Catalog, CatalogItem, Recall } from '../../domain/ports/catalog.js';

/**
 * A catalog and a category-based recall over a fixed list of items, loaded from a JSON file. It
 * stands in for the product and recommendation services a real deployment calls.
 */
export class StaticCatalog implements Catalog, Recall {
  #items: ReadonlyMap<string, CatalogItem>;

  constructor(items: readonly CatalogItem[] = []) {
    this.#items = new Map(items.map((item) => [item.id, item]));
  }

  static async fromFile(path: string): Promise<StaticCatalog> {
    const catalog = new StaticCatalog();
    await catalog.loadFile(path);
    return catalog;
  }

  /**
   * Replaces the items with a file's. The processors hold this catalog from the start; the file is
   * named by the configuration, which is read after they are built.
   */
  async loadFile(path: string): Promise<void> {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as { items?: CatalogItem[] };
    if (!Array.isArray(parsed.items)) throw new Error(`${path}: expected { "items": [...] }`);
    this.#items = new Map(parsed.items.map((item) => [item.id, item]));
  }

  get size(): number {
    return this.#items.size;
  }

  async getItems(itemIds: readonly string[]): Promise<readonly CatalogItem[]> {
    return itemIds.flatMap((id) => this.#items.get(id) ?? []);
  }

  /** Items of the seeds' categories, closest in price to the seeds first. */
  async recall(request: { userId: string; seedItems: readonly CatalogItem[]; limit: number }): Promise<readonly CatalogItem[]> {
    const categories = new Set(request.seedItems.map((item) => item.category));
    const seedIds = new Set(request.seedItems.map((item) => item.id));
    const meanPrice = request.seedItems.reduce((sum, item) => sum + item.priceCents, 0) / Math.max(1, request.seedItems.length);
    return [...this.#items.values()]
      .filter((item) => categories.has(item.category) && !seedIds.has(item.id))
      .sort((a, b) => Math.abs(a.priceCents - meanPrice) - Math.abs(b.priceCents - meanPrice) || a.id.localeCompare(b.id))
      .slice(0, request.limit);
  }
}
