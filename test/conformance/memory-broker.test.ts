import { InProcessBroker } from '../../src/infra/memory/in-process-broker.js';
import { describeBrokerConformance } from './broker.conformance.js';

describeBrokerConformance('in-process', async () => new InProcessBroker({ retryDelayMs: () => 20 }));
