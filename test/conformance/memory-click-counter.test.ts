import { MemoryClickCounter } from '../../src/infra/memory/memory-click-counter.js';
import { describeClickCounterConformance } from './click-counter.conformance.js';

describeClickCounterConformance('memory', async () => {
  const store = new MemoryClickCounter();
  return { store, peer: store, close: async () => undefined };
});
