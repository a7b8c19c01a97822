import { MemoryEventFingerprints } from '../../src/infra/memory/memory-event-fingerprints.js';
import { describeEventFingerprintsConformance } from './event-fingerprints.conformance.js';

describeEventFingerprintsConformance('memory', async () => ({ store: new MemoryEventFingerprints(), close: async () => undefined }));
