import type { TemplateDeclaration } from '../strategy-template.js';
import type { TemplateRef } from '../template-ref.js';

/** Either the declaration was stored now, or `id@version` was taken and this is what holds it. */
export type TemplatePutResult = { readonly inserted: true } | { readonly inserted: false; readonly existing: TemplateDeclaration };

/**
 * Declared templates (config file and admin API), shared by every process of a deployment.
 * Insert-only: a published `id@version` never changes, so `put` never overwrites; deciding whether
 * a taken version holds the same content is the caller's business.
 */
export interface TemplateStore {
  put(declaration: TemplateDeclaration): Promise<TemplatePutResult>;
  get(ref: TemplateRef): Promise<TemplateDeclaration | undefined>;
  /** Oldest first. */
  list(): Promise<readonly TemplateDeclaration[]>;
}
