import type { Activity } from './activity.js';
import type { ExecutionParams } from './instance-context.js';
import type { TemplateRef } from './template-ref.js';

/**
 * One play's orchestration: which processors run, in which order, for each channel code. A new
 * play is a new template; a published `id@version` never changes.
 */
export interface StrategyTemplate<Ext extends object = object> extends TemplateRef {
  readonly description?: string;
  /** Lock the instance (activity × user) for every chain of this template. */
  readonly lock: boolean;
  /** The channel codes this template has chains for. */
  readonly channels: readonly string[];
  /** Processor names to run, in order; empty when the template does not handle the channel. */
  chainFor(channelCode: string): readonly string[];
  /** The context factory: builds the typed extensions this template's processors rely on. */
  createExtensions(activity: Activity, params: ExecutionParams): Ext;
}

/** A template declared as data (config file or admin API) rather than written in TypeScript. */
export interface TemplateDeclaration {
  readonly id: string;
  readonly version: string;
  readonly description?: string;
  readonly lock: boolean;
  readonly chains: Readonly<Record<string, readonly string[]>>;
}

export function declaredTemplate(declaration: TemplateDeclaration): StrategyTemplate {
  const chains = new Map(Object.entries(declaration.chains));
  return {
    id: declaration.id,
    version: declaration.version,
    description: declaration.description,
    lock: declaration.lock,
    channels: [...chains.keys()],
    chainFor: (channelCode) => chains.get(channelCode) ?? [],
    createExtensions: () => ({}),
  };
}
