import { MemoryActivityRepository } from '../../src/infra/memory/memory-activity-repository.js';
import { MemoryDeadLetterStore } from '../../src/infra/memory/memory-dead-letter-store.js';
import { MemoryRightsLedger } from '../../src/infra/memory/memory-rights-ledger.js';
import { describeActivityRepositoryConformance } from './activity-repository.conformance.js';
import { describeDeadLetterStoreConformance } from './dead-letter-store.conformance.js';
import { describeRightsLedgerConformance } from './rights-ledger.conformance.js';

const nothingToClose = async () => {};

describeRightsLedgerConformance('memory', async () => ({ port: new MemoryRightsLedger(), close: nothingToClose }));
describeActivityRepositoryConformance('memory', async () => ({ port: new MemoryActivityRepository(), close: nothingToClose }));
describeDeadLetterStoreConformance('memory', async () => ({ port: new MemoryDeadLetterStore(), close: nothingToClose }));
