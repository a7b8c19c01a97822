import { type LoadedConfig, loadConfig } from '../../config/load-config.js';
import { builtInProcessors } from '../../processors/built-in-processors.js';

/** `strategy-center validate`: the file checked as a server would load it, against the built-in processors. */
export function validateConfigFile(file: string): Promise<LoadedConfig> {
  const processors = builtInProcessors(placeholderDeps());
  return loadConfig(file, {
    processorNames: processors.map((p) => p.name),
    catalogReaders: processors.filter((p) => p.readsCatalog).map((p) => p.name),
    codeTemplates: [],
  });
}

/** Processor names only: validation needs no working ports. */
function placeholderDeps(): Parameters<typeof builtInProcessors>[0] {
  const unused = new Proxy({}, { get: () => () => Promise.reject(new Error('not wired')) });
  return { activities: unused, instances: unused, ledger: unused, catalog: unused, recall: unused } as Parameters<
    typeof builtInProcessors
  >[0];
}
