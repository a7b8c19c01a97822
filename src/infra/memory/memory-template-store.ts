import type { TemplatePutResult, TemplateStore } from '../../domain/ports/template-store.js';
import type { TemplateDeclaration } from '../../domain/strategy-template.js';
import { formatTemplateRef, type TemplateRef } from '../../domain/template-ref.js';

export class MemoryTemplateStore implements TemplateStore {
  readonly #templates = new Map<string, TemplateDeclaration>();

  async put(declaration: TemplateDeclaration): Promise<TemplatePutResult> {
    const ref = formatTemplateRef(declaration);
    const existing = this.#templates.get(ref);
    if (existing) return { inserted: false, existing };
    // A copy, so that the caller keeping its object cannot change what was published.
    this.#templates.set(ref, structuredClone(declaration));
    return { inserted: true };
  }

  async get(ref: TemplateRef): Promise<TemplateDeclaration | undefined> {
    return this.#templates.get(formatTemplateRef(ref));
  }

  async list(): Promise<readonly TemplateDeclaration[]> {
    return [...this.#templates.values()];
  }
}
