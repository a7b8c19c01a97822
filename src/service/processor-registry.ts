import type { Processor } from '../domain/processor.js';

/** Processors by name. Built-in and custom processors register the same way. */
export class ProcessorRegistry {
  readonly #processors = new Map<string, Processor>();

  constructor(processors: readonly Processor[] = []) {
    for (const processor of processors) this.register(processor);
  }

  register(processor: Processor): this {
    if (this.#processors.has(processor.name)) throw new Error(`processor '${processor.name}' is already registered`);
    this.#processors.set(processor.name, processor);
    return this;
  }

  get(name: string): Processor | undefined {
    return this.#processors.get(name);
  }

  has(name: string): boolean {
    return this.#processors.has(name);
  }

  names(): string[] {
    return [...this.#processors.keys()];
  }
}
