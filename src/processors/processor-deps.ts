import type { ActivityRepository } from '../domain/ports/activity-repository.js';
import type { Catalog, Recall } from '../domain/ports/catalog.js';
import type { InstanceStore } from '../domain/ports/instance-store.js';
import type { RightsLedger } from '../domain/ports/rights-ledger.js';

/** The ports the built-in processors work through; the composition root picks the adapters. */
export interface ProcessorDeps {
  readonly activities: ActivityRepository;
  readonly instances: InstanceStore;
  readonly ledger: RightsLedger;
  readonly catalog: Catalog;
  readonly recall: Recall;
}
