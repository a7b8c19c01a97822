import type { Processor } from '../domain/processor.js';
import { buildResult } from './build-result.js';
import { checkEvent } from './check-event.js';
import { prepareItemPromotion } from './prepare-item-promotion.js';
import type { ProcessorDeps } from './processor-deps.js';
import { queryActivity } from './query-activity.js';
import { queryAsset } from './query-asset.js';
import { ruleCheck } from './rule-check.js';
import { sendBenefit } from './send-benefit.js';
import { storePrepared } from './store-prepared.js';

/** The eight processors of the brief, wired to the given ports. */
export function builtInProcessors(deps: ProcessorDeps): Processor[] {
  return [
    queryActivity(deps),
    prepareItemPromotion(deps),
    storePrepared(deps),
    checkEvent(deps),
    ruleCheck(),
    queryAsset(deps),
    sendBenefit(deps),
    buildResult(),
  ];
}
