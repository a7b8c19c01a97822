/**
 * Sizes of the chaos suite. `CHAOS_PROFILE=ci` runs every scenario with the same invariants at
 * sizes that fit a CI job on two cores; unset (or `full`) runs the sizes the reliability brief implies.
 */
export type ChaosProfileName = 'ci' | 'full';

export interface ChaosSizes {
  /** 1: users per broker; each user's preparation and click messages are each delivered twice. */
  readonly duplicateUsers: number;
  readonly duplicateBrokers: readonly BrokerKind[];
  /** 2: in-flight clicks (HTTP) or messages (worker) per kill point. */
  readonly killClicksPerStep: number;
  /** 3: identical concurrent clicks per storm, and users per kind of storm. */
  readonly stormClicks: number;
  readonly stormUsers: number;
  /** 4: concurrent requests reusing one event id, each with its own payload; and conflicting pairs. */
  readonly conflictingConcurrent: number;
  readonly conflictPairs: number;
  /** 5: lock holders paused past their ttl, each in its own process. */
  readonly pausedHolders: number;
  /** 6: stale releases/extensions tried, and chains frozen past their lock's ttl. */
  readonly staleLockRounds: number;
  readonly frozenChains: number;
  /** 7: users and clicks per user while Redis restarts. */
  readonly redisRestartUsers: number;
  readonly redisRestartClicksPerUser: number;
  /** 8: messages published while the broker restarts, per broker. */
  readonly brokerRestartMessages: number;
  readonly brokerRestartBrokers: readonly BrokerKind[];
  /** 9: slow first runs redelivered meanwhile, per broker. */
  readonly redeliveredEvents: number;
  readonly redeliveryBrokers: readonly BrokerKind[];
  /** 10: users clicking under 20 % ledger faults (stock is 80 % of them). */
  readonly ledgerFaultUsers: number;
  /** 11: poison messages and healthy ones around them. */
  readonly poisonMessages: number;
  readonly healthyMessages: number;
  /** 12: malformed inputs over HTTP and over the broker. */
  readonly malformedHttp: number;
  readonly malformedMessages: number;
}

export type BrokerKind = 'redis' | 'rabbitmq' | 'nats';

const PROFILES: Record<ChaosProfileName, ChaosSizes> = {
  ci: {
    duplicateUsers: 60,
    duplicateBrokers: ['redis', 'rabbitmq'],
    killClicksPerStep: 12,
    stormClicks: 200,
    stormUsers: 1,
    conflictingConcurrent: 50,
    conflictPairs: 20,
    pausedHolders: 3,
    staleLockRounds: 20,
    frozenChains: 2,
    redisRestartUsers: 60,
    redisRestartClicksPerUser: 4,
    brokerRestartMessages: 300,
    brokerRestartBrokers: ['nats'],
    redeliveredEvents: 8,
    redeliveryBrokers: ['nats'],
    ledgerFaultUsers: 150,
    poisonMessages: 10,
    healthyMessages: 200,
    malformedHttp: 500,
    malformedMessages: 500,
  },
  full: {
    duplicateUsers: 500,
    duplicateBrokers: ['redis', 'rabbitmq', 'nats'],
    killClicksPerStep: 100,
    stormClicks: 500,
    stormUsers: 2,
    conflictingConcurrent: 200,
    conflictPairs: 100,
    pausedHolders: 10,
    staleLockRounds: 200,
    frozenChains: 5,
    redisRestartUsers: 300,
    redisRestartClicksPerUser: 10,
    brokerRestartMessages: 3_000,
    brokerRestartBrokers: ['nats', 'rabbitmq'],
    redeliveredEvents: 40,
    redeliveryBrokers: ['nats', 'redis'],
    ledgerFaultUsers: 1_000,
    poisonMessages: 50,
    healthyMessages: 2_000,
    malformedHttp: 1_000,
    malformedMessages: 1_000,
  },
};

function profileName(): ChaosProfileName {
  const value = process.env.CHAOS_PROFILE ?? 'full';
  if (value !== 'ci' && value !== 'full') throw new Error(`CHAOS_PROFILE must be 'ci' or 'full', got '${value}'`);
  return value;
}

export const PROFILE: ChaosProfileName = profileName();
export const SIZES: ChaosSizes = PROFILES[PROFILE];
