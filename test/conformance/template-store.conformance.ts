import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TemplateStore } from '../../src/domain/ports/template-store.js';
import type { TemplateDeclaration } from '../../src/domain/strategy-template.js';

export interface TemplateStoreFixture {
  readonly port: TemplateStore;
  close(): Promise<void>;
}

/** The behaviour every template store must show: insert-only, whole declarations back. */
export function describeTemplateStoreConformance(name: string, make: () => Promise<TemplateStoreFixture>): void {
  describe(`TemplateStore conformance: ${name}`, () => {
    let fixture: TemplateStoreFixture;
    let store: TemplateStore;
    let id: string;

    beforeEach(async () => {
      fixture = await make();
      store = fixture.port;
      id = `tpl-${randomUUID().slice(0, 8)}`;
    });
    afterEach(async () => {
      await fixture.close();
    });

    const declaration = (version: string, overrides: Partial<TemplateDeclaration> = {}): TemplateDeclaration => ({
      id,
      version,
      description: 'Prepare on browse, issue on the banner — für dich 🎁',
      lock: true,
      chains: { browse_3_items: ['query-activity', 'store-prepared'], home_banner: ['check-event', 'send-benefit'] },
      ...overrides,
    });

    it('stores a declaration whole and gives it back equal', async () => {
      const template = declaration('1.0');
      expect(await store.put(template)).toEqual({ inserted: true });
      expect(await store.get({ id, version: '1.0' })).toEqual(template);
      expect(await store.get({ id, version: '9.9' })).toBeUndefined();
      const bare: TemplateDeclaration = { id, version: '2.0', lock: false, chains: { a: ['b'] } };
      await store.put(bare);
      expect(await store.get(bare)).toEqual(bare);
    });

    it('never changes a published version: a second put answers with what is stored', async () => {
      const first = declaration('1.0');
      await store.put(first);
      const changed = declaration('1.0', { chains: { home_banner: ['check-event'] }, lock: false });
      expect(await store.put(changed)).toEqual({ inserted: false, existing: first });
      expect(await store.put(first)).toEqual({ inserted: false, existing: first });
      expect(await store.get(first)).toEqual(first);
    });

    it('concurrent puts of one version: exactly one is inserted', async () => {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => store.put(declaration('1.0', { description: `attempt ${i}` }))),
      );
      expect(results.filter((r) => r.inserted)).toHaveLength(1);
      const stored = await store.get({ id, version: '1.0' });
      for (const result of results) if (!result.inserted) expect(result.existing).toEqual(stored);
    });

    it('lists every version, oldest first', async () => {
      for (const version of ['1.0', '2.0', '1.5']) await store.put(declaration(version));
      const mine = (await store.list()).filter((t) => t.id === id);
      expect(mine.map((t) => t.version)).toEqual(['1.0', '2.0', '1.5']);
    });

    it('does not share objects with the caller', async () => {
      const template = declaration('1.0');
      await store.put(template);
      (template.chains as Record<string, string[]>).home_banner?.push('mutated');
      expect((await store.get(template))?.chains.home_banner).toEqual(['check-event', 'send-benefit']);
    });
  });
}
