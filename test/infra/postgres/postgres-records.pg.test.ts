import { describeActivityRepositoryConformance } from '../../conformance/activity-repository.conformance.js';
import { describeDeadLetterStoreConformance } from '../../conformance/dead-letter-store.conformance.js';
import { describeRightsLedgerConformance } from '../../conformance/rights-ledger.conformance.js';
import { adaptersInFreshSchema } from './postgres-test-schema.js';

// Every test gets an empty schema of its own, as the memory adapters start empty.
describeRightsLedgerConformance('postgres', async () => {
  const adapters = await adaptersInFreshSchema('ledger', { poolSize: 16 });
  return { port: adapters.ledger, close: adapters.close };
});
describeActivityRepositoryConformance('postgres', async () => {
  const adapters = await adaptersInFreshSchema('activities');
  return { port: adapters.activities, close: adapters.close };
});
describeDeadLetterStoreConformance('postgres', async () => {
  const adapters = await adaptersInFreshSchema('dead_letters');
  return { port: adapters.deadLetters, close: adapters.close };
});
