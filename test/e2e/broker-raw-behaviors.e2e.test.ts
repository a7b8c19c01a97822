import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ACTIVITY, BROKERS, BrokerE2e, CHANNEL, http, waitFor } from '../support/broker-e2e.js';

const USERS = 20;
const SKUS = ['sku-001', 'sku-008', 'sku-001'];

/** Bodies a relay may get wrong, and the field their dead letter must name. */
const BAD: { body: string; reason: RegExp }[] = [
  { body: JSON.stringify({ type: 'item_view', itemId: 'sku-001', eventId: 'bad-no-user' }), reason: /userId: is required/ },
  { body: '{"userId": "u", "type": ', reason: /^raw behavior is not JSON/ },
  { body: JSON.stringify({ userId: 'bad-type', type: 7 }), reason: /type: expected a non-empty string, got number 7/ },
  { body: JSON.stringify({ userId: 'bad-at', type: 'item_view', at: 'yesterday' }), reason: /at: expected an ISO-8601 time/ },
];

let current: BrokerE2e | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

describe.each(BROKERS)('raw behaviors on $kind', (broker) => {
  it('a worker counts them, fires and prepares the offers; bad ones are dead-lettered with the field; redelivery counts once; replay', async () => {
    const e2e = await BrokerE2e.open(broker, 'raw');
    current = e2e;
    const users = Array.from({ length: USERS }, (_, index) => `r${index}`);
    const [worker, api] = await Promise.all([e2e.worker(), e2e.serve()]);

    // Each user views three items; every view is published twice under two message ids (a relay
    // retrying after a lost confirm), half of the users' views without an eventId of their own
    // (the second copy then repeats the relay's message id, as a redelivery would).
    const bodies = users.flatMap((user, u) =>
      SKUS.map((itemId, v) => {
        const view = { userId: user, type: 'item_view', itemId, at: new Date(Date.now() - (3 - v) * 1_000).toISOString() };
        return u % 2 === 0
          ? { body: JSON.stringify({ ...view, eventId: `${user}-v${v}` }), messageIds: [`${user}-v${v}#1`, `${user}-v${v}#2`] }
          : { body: JSON.stringify(view), messageIds: [`${user}-relay-${v}`, `${user}-relay-${v}`] };
      }),
    );
    for (const copy of [0, 1]) {
      for (const { body, messageIds } of bodies) {
        // (JetStream drops a repeated message id itself, within its duplicate window.)
        await e2e.rawPublisher.publishRaw(body, { messageId: messageIds[copy] as string });
      }
      if (copy === 0) for (const bad of BAD) await e2e.rawPublisher.publishRaw(bad.body, { messageId: randomUUID() });
    }

    await waitFor(
      async () => [...(await e2e.prepared(users)).values()].every((data) => data !== undefined),
      30_000,
      async () => `${[...(await e2e.prepared(users)).values()].filter((data) => data === undefined).length} users not prepared`,
    );
    await waitFor(
      async () => (await e2e.deadLetters()).length >= BAD.length,
      20_000,
      async () => `${(await e2e.deadLetters()).length} dead letters`,
    );
    // Let any late duplicate land before counting.
    await waitFor(
      async () => (await e2e.brokerBacklog()) === 0,
      10_000,
      () => 'behavior backlog not drained',
    );

    for (const user of users) {
      const window = `${e2e.namespace}:behavior:{${CHANNEL}:${user}}`;
      // Every view counted once (duplicates dropped by event id), the rule fired once.
      expect(await e2e.redis.zcard(window), user).toBe(3);
      expect(await e2e.redis.hlen(`${window}:fired`), user).toBe(1);
    }
    const prepared = await e2e.prepared(users);
    expect(prepared.get('r0')?.eventId).toBe(`${CHANNEL}:r0-v2`);

    const letters = await e2e.deadLetters();
    expect(letters).toHaveLength(BAD.length);
    for (const bad of BAD) {
      const [letter] = letters.filter((entry) => entry.body === bad.body);
      expect(letter?.reason).toMatch(bad.reason);
      expect(letter?.attempts).toBe(1);
    }
    const sources = await e2e.query('SELECT DISTINCT source FROM $schema.dead_letters');
    expect(sources.rows.map((row) => row.source)).toEqual([expect.stringMatching(/:raw-behaviors$/)]);

    // A letter still invalid is refused by the replay, naming the field; a valid one goes back to the raw queue.
    const invalid = letters.find((letter) => letter.body === BAD[0]?.body);
    const refused = await http('POST', `${api.url}/v1/dead-letters/${invalid?.id}/replay`);
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('userId: is required');
    const fixedId = randomUUID();
    const fixed = ['x0', 'x1', 'x2'].map((eventId, v) => ({ userId: 'fixed', type: 'item_view', itemId: SKUS[v], eventId }));
    for (const [index, body] of fixed.entries()) {
      const id = index === 2 ? fixedId : randomUUID();
      await e2e.query(
        `INSERT INTO $schema.dead_letters (id, body, reason, attempts, source, created_at) VALUES ($1, $2, 'failed after 5 attempts: broker away', 5, $3, now())`,
        [id, Buffer.from(JSON.stringify(body)), `${sources.rows[0]?.source}`],
      );
      expect((await http('POST', `${api.url}/v1/dead-letters/${id}/replay`)).status).toBe(200);
    }
    await waitFor(
      async () => (await e2e.prepared(['fixed'])).get('fixed') !== undefined,
      20_000,
      () => 'the replayed behaviors fired nothing',
    );
    expect((await e2e.prepared(['fixed'])).get('fixed')?.eventId).toBe(`${CHANNEL}:x2`);
    expect((await http('GET', `${api.url}/v1/activities/${ACTIVITY}/users/fixed`)).body.prepared).toBeTruthy();
    expect(worker.alive()).toBe(true);
  });
});
