import { MemoryOutcomeLog } from '../../src/infra/memory/memory-outcome-log.js';
import { describeOutcomeLogConformance } from './outcome-log.conformance.js';

describeOutcomeLogConformance('memory', async () => ({ store: new MemoryOutcomeLog(), close: async () => {} }));
