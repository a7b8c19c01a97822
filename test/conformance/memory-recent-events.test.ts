import { MemoryRecentEvents } from '../../src/infra/memory/memory-recent-events.js';
import { describeRecentEventsConformance } from './recent-events.conformance.js';

describeRecentEventsConformance('memory', async ({ capacity }) => ({ store: new MemoryRecentEvents(capacity), close: async () => {} }));
