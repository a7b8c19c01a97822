import { Redis } from 'ioredis';
import { dropSchema } from '../infra/postgres/postgres-test-schema.js';
import { DATABASE_URL, REDIS_URL, uniqueName } from './services.js';

/** Settings for an app on the real Redis and PostgreSQL, in a namespace and schema of its own, and how to remove them. */
export function realBackendsEnv(purpose: string): { env: Record<string, string>; cleanUp(): Promise<void> } {
  const namespace = uniqueName(purpose);
  return {
    env: { REDIS_URL, DATABASE_URL, NAMESPACE: namespace, DATABASE_SCHEMA: namespace, MIGRATE: 'true' },
    async cleanUp() {
      const redis = new Redis(REDIS_URL);
      try {
        for (let cursor = '0'; ; ) {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1000);
          if (keys.length > 0) await redis.unlink(...keys);
          cursor = next;
          if (cursor === '0') break;
        }
      } finally {
        await redis.quit();
      }
      await dropSchema(namespace);
    },
  };
}
