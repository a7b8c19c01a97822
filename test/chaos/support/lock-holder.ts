/**
 * A child process that holds (or waits for) one instance lock through the product's own
 * InstanceLocks on Redis, and does what the test writes on its stdin, one command a line:
 *
 *   write <tag>   putPrepared with this holder's fencing token → `{"event":"write","ok":…,"code":…}`
 *   extend        LockStore.extend with this holder's owner token → `{"event":"extend","ok":…}`
 *   release       LockStore.release (compare-and-delete) → `{"event":"release","ok":…}`
 *   status        → `{"event":"status","aborted":…}` (the lease's AbortSignal)
 *   exit
 *
 * Environment: REDIS_URL, PREFIX, ACTIVITY, USER_ID, TTL_MS, and MODE: `hold` takes the lock at once,
 * `contend` waits for a `go` line, then polls until the lock is free and takes it.
 * Run with `node --import tsx`; every answer is one JSON line on stdout.
 */
import { createInterface } from 'node:readline';
import { StrategyCenterError } from '../../../src/domain/errors.js';
import { createRedisAdapters } from '../../../src/infra/redis/redis-adapters.js';
import { type HeldLock, InstanceLocks } from '../../../src/service/instance-lock.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const adapters = createRedisAdapters({ url: env('REDIS_URL'), prefix: env('PREFIX') });
const instance = { activityId: env('ACTIVITY'), userId: env('USER_ID') };
const ttlMs = Number(env('TTL_MS'));
const locks = new InstanceLocks(adapters.locks, { ttlMs, waitMs: 30_000, retryDelayMs: 5 });
const say = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);

let lease: HeldLock | undefined;
const take = async () => {
  lease = await locks.acquire(instance);
  if (!lease) throw new Error('lock stayed busy');
  say({ event: 'acquired', fence: lease.fence, owner: lease.owner });
};

const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
  void (async () => {
    const [command, argument] = line.trim().split(/\s+/);
    if (command === 'go') return take();
    if (!lease) return say({ event: command, error: 'no lock held' });
    switch (command) {
      case 'write':
        try {
          const data = {
            template: 'chaos@1.0',
            preparedAt: new Date().toISOString(),
            eventId: argument ?? 'stale',
            data: { by: argument },
          };
          await adapters.instances.putPrepared(instance, data, 60_000, lease.fence);
          return say({ event: 'write', ok: true });
        } catch (error) {
          return say({ event: 'write', ok: false, code: error instanceof StrategyCenterError ? error.code : String(error) });
        }
      case 'extend':
        return say({ event: 'extend', ok: await adapters.locks.extend(lease.key, lease.owner, ttlMs) });
      case 'release':
        return say({ event: 'release', ok: await adapters.locks.release(lease.key, lease.owner) });
      case 'status':
        return say({ event: 'status', aborted: lease.signal.aborted });
      case 'exit':
        await adapters.close();
        process.exit(0);
    }
  })().catch((error: unknown) => say({ event: 'error', message: String(error) }));
});

if (env('MODE') === 'hold') await take();
else say({ event: 'ready' });
