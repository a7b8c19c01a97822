import { MemoryNonceStore } from '../../src/infra/memory/memory-nonce-store.js';
import { describeNonceStoreConformance } from './nonce-store.conformance.js';

describeNonceStoreConformance('memory', async () => {
  const store = new MemoryNonceStore();
  return { store, peer: store, close: async () => undefined };
});
