import { MemoryBehaviorCounter } from '../../src/infra/memory/memory-behavior-counter.js';
import { MemoryInstanceStore } from '../../src/infra/memory/memory-instance-store.js';
import { MemoryLockStore } from '../../src/infra/memory/memory-lock-store.js';
import { MemorySoldOutMarks } from '../../src/infra/memory/memory-sold-out-marks.js';
import { MemoryTraceStore } from '../../src/infra/memory/memory-trace-store.js';
import { describeBehaviorCounterConformance } from './behavior-counter.conformance.js';
import { describeInstanceStoreConformance } from './instance-store.conformance.js';
import { describeLockStoreConformance } from './lock-store.conformance.js';
import { describeSoldOutMarksConformance } from './sold-out-marks.conformance.js';
import { describeTraceStoreConformance } from './trace-store.conformance.js';

const nothingToClose = async (): Promise<void> => undefined;

describeInstanceStoreConformance('memory', async () => ({ store: new MemoryInstanceStore(), close: nothingToClose }));
describeLockStoreConformance('memory', async () => ({ store: new MemoryLockStore(), close: nothingToClose }));
describeBehaviorCounterConformance('memory', async () => ({ store: new MemoryBehaviorCounter(), close: nothingToClose }));
describeTraceStoreConformance('memory', async ({ maxTracesPerEvent }) => ({
  store: new MemoryTraceStore({ perEvent: maxTracesPerEvent }),
  close: nothingToClose,
}));
describeSoldOutMarksConformance('memory', async () => ({ marks: new MemorySoldOutMarks(), close: nothingToClose }));
