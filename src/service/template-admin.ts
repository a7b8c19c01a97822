import { checkTemplateChains } from '../config/declaration-checks.js';
import { ConflictError, type ErrorDetail, InvalidInputError } from '../domain/errors.js';
import type { TemplateStore } from '../domain/ports/template-store.js';
import { declaredTemplate, type TemplateDeclaration } from '../domain/strategy-template.js';
import { formatTemplateRef } from '../domain/template-ref.js';
import { canonicalJson, deepFreeze } from './canonical-json.js';
import type { ConfigChanges } from './config-changes.js';
import type { TemplateRegistry } from './template-registry.js';

export interface TemplatePublishOptions {
  /** Path of the declaration in its source, for errors: `templates[0]`, `body`. */
  readonly path?: string;
  readonly actor?: string;
  /** False for a template that came from another process's notice. */
  readonly notify?: boolean;
}

export interface TemplatePublished {
  readonly template: TemplateDeclaration;
  /** False when the same `id@version` with the same content was published already (a no-op). */
  readonly created: boolean;
}

/**
 * Publishes declared templates (config file, admin API): into the shared template store, which
 * never changes a published `id@version`, then into this process's registry. Publishing the same
 * content again is a no-op; different content under a published version is a conflict.
 */
export class TemplateAdmin {
  readonly #store: TemplateStore;
  readonly #registry: TemplateRegistry;
  readonly #changes: ConfigChanges | undefined;
  /** `id@version` of the templates written in TypeScript: never declared over. */
  readonly #codeRefs: ReadonlySet<string>;
  /** The processors a chain may name (the checks of config/declaration-checks.ts); absent: not checked here. */
  readonly #processorNames: (() => readonly string[]) | undefined;

  constructor(deps: {
    store: TemplateStore;
    registry: TemplateRegistry;
    codeTemplateRefs: Iterable<string>;
    changes?: ConfigChanges;
    processorNames?: () => readonly string[];
  }) {
    this.#processorNames = deps.processorNames;
    this.#store = deps.store;
    this.#registry = deps.registry;
    this.#changes = deps.changes;
    this.#codeRefs = new Set(deps.codeTemplateRefs);
  }

  async publish(declaration: TemplateDeclaration, options: TemplatePublishOptions = {}): Promise<TemplatePublished> {
    const path = options.path ?? 'template';
    // A template from another process's notice was checked where it was published.
    if (this.#processorNames && options.notify !== false) {
      const problems = checkTemplateChains(declaration.chains, path, new Set(this.#processorNames()));
      if (problems.length > 0) {
        throw new InvalidInputError(`invalid template: ${problems.map((d) => `${d.path}: ${d.message}`).join('; ')}`, problems);
      }
    }
    const ref = formatTemplateRef(declaration);
    const template = normalized(declaration);
    const problem = await this.conflict(template, path);
    if (problem) throw new ConflictError(`template ${ref} is already published with different content; publish a new version`, [problem]);
    const put = await this.#store.put(template);
    if (!put.inserted) {
      // Taken between the check and the insert: the same rule decides.
      if (canonicalJson(normalized(put.existing)) !== canonicalJson(template)) {
        throw new ConflictError(`template ${ref} is already published with different content; publish a new version`, [
          { path, message: `${ref} is published and never changes; publish a new version` },
        ]);
      }
      this.register(put.existing);
      return { template: normalized(put.existing), created: false };
    }
    this.register(template);
    await this.#changes?.record(
      { kind: 'template', id: ref, before: null, after: template, actor: options.actor ?? 'system' },
      { notify: options.notify ?? true },
    );
    return { template, created: true };
  }

  /** Why `declaration` cannot be published under its `id@version`, if it cannot. */
  async conflict(declaration: TemplateDeclaration, path: string): Promise<ErrorDetail | undefined> {
    const ref = formatTemplateRef(declaration);
    if (this.#codeRefs.has(ref)) return { path, message: `${ref} is a template written in TypeScript; declare a new version instead` };
    const stored = await this.#store.get(declaration);
    if (stored && canonicalJson(normalized(stored)) !== canonicalJson(normalized(declaration))) {
      return { path, message: `${ref} is published with different chains or settings and never changes; publish a new version` };
    }
    return undefined;
  }

  /** Makes a stored declaration runnable in this process; a registered `id@version` is left as is. */
  register(declaration: TemplateDeclaration): boolean {
    if (this.#registry.get(declaration)) return false;
    this.#registry.register(declaredTemplate(deepFreeze(normalized(declaration))));
    return true;
  }

  /** Registers every stored template this process does not have yet; returns their refs. */
  async sync(): Promise<string[]> {
    const added: string[] = [];
    for (const declaration of await this.#store.list()) if (this.register(declaration)) added.push(formatTemplateRef(declaration));
    return added;
  }
}

/** Only the fields that make a template, in one shape, so that equal content compares equal. */
function normalized(declaration: TemplateDeclaration): TemplateDeclaration {
  return {
    id: declaration.id,
    version: declaration.version,
    ...(declaration.description === undefined ? {} : { description: declaration.description }),
    lock: declaration.lock ?? false,
    chains: Object.fromEntries(Object.entries(declaration.chains).map(([channel, chain]) => [channel, [...chain]])),
  };
}
