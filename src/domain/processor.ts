import type { InstanceContext } from './instance-context.js';

/**
 * A node of a chain. `validate` false means this node does not apply to the instance: it is
 * skipped (and traced) and the chain goes on. A processor that must end the chain calls
 * `ctx.stop(status, reason)`. Throwing is for faults only.
 */
export interface Processor<Ext extends object = object> {
  readonly name: string;
  /**
   * True when the processor reads the `Catalog` or `Recall` port: a config file whose chains name
   * it must configure `catalog:` (refused at load otherwise, naming the step).
   */
  readonly readsCatalog?: boolean;
  validate(ctx: InstanceContext<Ext>): boolean | Promise<boolean>;
  process(ctx: InstanceContext<Ext>): Promise<void>;
}
