import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createPostgresAdapters } from '../../../src/infra/postgres/postgres-adapters.js';
import { changeChannel } from '../../../src/infra/postgres/postgres-change-feed.js';
import { describeChangeFeedConformance, recordingListener } from '../../conformance/change-feed.conformance.js';
import { describeChangeLogConformance } from '../../conformance/change-log.conformance.js';
import { describeTemplateStoreConformance } from '../../conformance/template-store.conformance.js';
import { DATABASE_URL } from '../../support/services.js';
import { adaptersInFreshSchema } from './postgres-test-schema.js';

describeTemplateStoreConformance('postgres', async () => {
  const adapters = await adaptersInFreshSchema('templates');
  return { port: adapters.templates, close: adapters.close };
});
describeChangeLogConformance('postgres', async () => {
  const adapters = await adaptersInFreshSchema('change_log');
  return { port: adapters.changeLog, close: adapters.close };
});
describeChangeFeedConformance('postgres', async () => {
  // Two pools on one schema, as two processes: NOTIFY from one reaches LISTEN on the other.
  const publisher = await adaptersInFreshSchema('change_feed');
  const subscriber = await createPostgresAdapters({ url: DATABASE_URL, schema: publisher.schema });
  return {
    publisher: publisher.changeFeed,
    subscriber: subscriber.changeFeed,
    close: async () => {
      await subscriber.close();
      await publisher.close();
    },
  };
});

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

describe('PostgreSQL live configuration', () => {
  it('a published template row can be neither updated nor deleted', async () => {
    const adapters = await adaptersInFreshSchema('templates_immutable');
    try {
      await adapters.templates.put({ id: 'item-promotion', version: '3.0', lock: true, chains: { home_banner: ['check-event'] } });
      await expect(adapters.pool.query(`UPDATE templates SET declaration = '{}'::jsonb`)).rejects.toThrow(
        /cannot change; publish a new version/,
      );
      await expect(adapters.pool.query('DELETE FROM templates')).rejects.toThrow(/cannot change/);
      expect((await adapters.templates.list()).length).toBe(1);
    } finally {
      await adapters.close();
    }
  });

  it('the LISTEN connection comes back after the server drops it, asks for a resync, and delivers again', async () => {
    const publisher = await adaptersInFreshSchema('feed_reconnect');
    const subscriber = await createPostgresAdapters({ url: DATABASE_URL, schema: publisher.schema });
    try {
      const listener = recordingListener();
      await subscriber.changeFeed.subscribe(listener);
      const channel = changeChannel(publisher.schema);
      const killed = await withAdmin(async (admin) => {
        const { rows } = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE query = $1', [
          `LISTEN ${pg.escapeIdentifier(channel)}`,
        ]);
        for (const row of rows) await admin.query('SELECT pg_terminate_backend($1)', [row.pid]);
        return rows.length;
      });
      expect(killed).toBe(1);
      await expect.poll(() => listener.resyncs.length, { timeout: 5_000 }).toBe(1);
      const notice = { kind: 'activity' as const, id: 'act-1', origin: 'p', actor: 'a' };
      await publisher.changeFeed.publish(notice);
      await expect.poll(() => listener.notices, { timeout: 2_000 }).toEqual([notice]);
    } finally {
      await subscriber.close();
      await publisher.close();
    }
  });

  it('two schemas in one database never hear each other', async () => {
    const a = await adaptersInFreshSchema('feed_a');
    const b = await adaptersInFreshSchema('feed_b');
    try {
      expect(changeChannel(a.schema)).not.toBe(changeChannel(b.schema));
      expect(changeChannel('x'.repeat(63))).toHaveLength(50);
      const heardByB = recordingListener();
      const heardByA = recordingListener();
      await b.changeFeed.subscribe(heardByB);
      await a.changeFeed.subscribe(heardByA);
      await a.changeFeed.publish({ kind: 'activity', id: 'only-a', origin: 'p', actor: 'a' });
      await expect.poll(() => heardByA.notices.length, { timeout: 2_000 }).toBe(1);
      expect(heardByB.notices).toEqual([]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
