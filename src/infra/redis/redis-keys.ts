import type { InstanceKey } from '../../domain/instance-context.js';

/**
 * Every key this deployment writes, in one place. Keys of one instance share the `{activity:user}`
 * hash tag (and a rule's window keys share `{rule:user}`) so that the keys a Lua script touches
 * together live in one Redis Cluster slot; the prefix separates deployments and test runs.
 */
export class RedisKeys {
  readonly prefix: string;

  constructor(prefix: string) {
    // A brace in the prefix would become the hash tag of every key, putting them all in one slot.
    if (/[{}]/.test(prefix)) throw new RangeError(`key prefix must not contain '{' or '}', got '${prefix}'`);
    this.prefix = prefix;
  }

  prepared(instance: InstanceKey): string {
    return `${this.prefix}prepared:${instanceTag(instance)}`;
  }

  /** The highest fencing token a prepared-data write was accepted with. */
  preparedFence(instance: InstanceKey): string {
    return `${this.prefix}fence:${instanceTag(instance)}`;
  }

  /** `lockKey` already carries its hash tag (`lock:{activity:user}`); it only gains the prefix. */
  lock(lockKey: string): string {
    return `${this.prefix}${lockKey}`;
  }

  /** Appended, not prepended, so the lock key's hash tag stays the first `{…}` of the name. */
  lockFenceCounter(lockKey: string): string {
    return `${this.lock(lockKey)}:fence`;
  }

  /** One user's recent clicks on one activity, counted against `limits.clicksPerUser`. */
  clicks(instance: InstanceKey): string {
    return `${this.prefix}clicks:${instanceTag(instance)}`;
  }

  behaviorWindow(ruleKey: string, userId: string): { seen: string; pending: string; fired: string } {
    const base = `${this.prefix}behavior:{${ruleKey}:${userId}}`;
    return { seen: base, pending: `${base}:pending`, fired: `${base}:fired` };
  }

  trace(eventId: string): string {
    return `${this.prefix}trace:{${eventId}}`;
  }

  /** What an event id was first seen carrying (channel, user, payload), as hashes. */
  eventFingerprint(eventId: string): string {
    return `${this.prefix}event:{${eventId}}`;
  }

  /** The sold-out mark of a benefit pool and its epoch counter (see domain/ports/sold-out-marks.ts). */
  soldOut(pool: string): { mark: string; epoch: string } {
    const base = `${this.prefix}sold-out:{${pool}}`;
    return { mark: base, epoch: `${base}:epoch` };
  }

  /** That an instance (`activity:user`) got an asset of the pool: its clicks pass the sold-out mark. */
  poolHolder(pool: string, holder: string): string {
    return `${this.prefix}sold-out:{${pool}}:holder:${holder}`;
  }

  /** A signed request's nonce, claimed once per client. */
  requestNonce(clientId: string, nonce: string): string {
    return `${this.prefix}nonce:{${clientId}}:${nonce}`;
  }

  instanceTraces(instance: InstanceKey): string {
    return `${this.prefix}traces:${instanceTag(instance)}`;
  }

  recentTraces(): string {
    return `${this.prefix}traces:recent`;
  }

  /** The live view's capped list of handled events; one key, so it needs no hash tag. */
  recentEvents(): string {
    return `${this.prefix}events:recent`;
  }
}

function instanceTag(instance: InstanceKey): string {
  return `{${instance.activityId}:${instance.userId}}`;
}

/** Redis rejects fractional or non-positive PX/PEXPIRE values; a TTL rounds up to at least 1 ms. */
export function toRedisTtlMs(ttlMs: number): number {
  if (!Number.isFinite(ttlMs)) throw new RangeError(`ttl must be a finite number of ms, got ${ttlMs}`);
  return Math.max(1, Math.ceil(ttlMs));
}
