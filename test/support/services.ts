import { randomBytes } from 'node:crypto';

/** Real services on loopback; each test run isolates itself with its own prefix, schema and queues. */
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

/** A name no other run uses: `sc_t_<purpose>_<random>`, valid as key prefix, schema and queue name. */
export function uniqueName(purpose: string): string {
  return `sc_t_${purpose.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(5).toString('hex')}`;
}
