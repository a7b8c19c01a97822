import type { StrategyTemplate } from '../domain/strategy-template.js';
import { formatTemplateRef, type TemplateRef } from '../domain/template-ref.js';

/**
 * Templates by `id@version`. A template written in TypeScript and one declared in configuration
 * register the same way. A published version never changes: registering a different template
 * under a taken `id@version` is refused.
 */
export class TemplateRegistry {
  readonly #templates = new Map<string, StrategyTemplate>();

  constructor(templates: readonly StrategyTemplate[] = []) {
    for (const template of templates) this.register(template);
  }

  register(template: StrategyTemplate): this {
    const ref = formatTemplateRef(template);
    const existing = this.#templates.get(ref);
    if (existing && existing !== template) throw new Error(`template '${ref}' is already published; publish a new version instead`);
    this.#templates.set(ref, template);
    return this;
  }

  get(ref: TemplateRef): StrategyTemplate | undefined {
    return this.#templates.get(formatTemplateRef(ref));
  }

  list(): StrategyTemplate[] {
    return [...this.#templates.values()];
  }
}
