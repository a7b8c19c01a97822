import { afterEach, describe, expect, it } from 'vitest';
import type { BehaviorMessage } from '../../src/domain/ports/broker.js';
import { ACTIVITY, BROKERS, BrokerE2e, browseMessage, http, waitFor } from '../support/broker-e2e.js';

const VALID = 300;
const POISONED_USERS = ['poisoned-http', 'poisoned-cli'];
const MAX_ATTEMPTS = 5;

/** Ten ways to be wrong, ten of each, each body unique; `reason` is what its dead letter must say. */
const MALFORMED: { kind: string; body: (n: number) => string; reason: RegExp }[] = [
  { kind: 'not JSON', body: (n) => `not json ${n}`, reason: /^message is not JSON/ },
  { kind: 'truncated JSON', body: (n) => `{"channelCode":"browse_3_items","userId":"t${n}"`, reason: /^message is not JSON/ },
  {
    kind: 'a JSON array',
    body: (n) => JSON.stringify(['browse_3_items', `a${n}`]),
    reason: /^invalid behavior message: message: expected a JSON object/,
  },
  {
    kind: 'no userId',
    body: (n) => JSON.stringify({ channelCode: 'browse_3_items', eventId: `no-user-${n}` }),
    reason: /message\.userId: /,
  },
  {
    kind: 'no eventId',
    body: (n) => JSON.stringify({ channelCode: 'browse_3_items', userId: `no-event-${n}` }),
    reason: /message\.eventId: /,
  },
  {
    kind: 'no channelCode',
    body: (n) => JSON.stringify({ userId: `no-channel-${n}`, eventId: `nc-${n}` }),
    reason: /message\.channelCode: /,
  },
  {
    kind: 'userId a number',
    body: (n) => JSON.stringify({ channelCode: 'browse_3_items', userId: n, eventId: `num-${n}` }),
    reason: /message\.userId: expected a non-empty string/,
  },
  {
    kind: 'payload a string',
    body: (n) => JSON.stringify({ channelCode: 'browse_3_items', userId: `p${n}`, eventId: `payload-${n}`, payload: 'sku-001' }),
    reason: /message\.payload: expected a JSON object/,
  },
  {
    kind: 'occurredAt not a time',
    body: (n) => JSON.stringify({ channelCode: 'browse_3_items', userId: `o${n}`, eventId: `when-${n}`, occurredAt: 'yesterday' }),
    reason: /message\.occurredAt: expected an ISO-8601 time/,
  },
  {
    kind: 'unknown field',
    body: (n) => JSON.stringify({ channelCode: 'browse_3_items', userId: `x${n}`, eventId: `extra-${n}`, priority: 'high' }),
    reason: /unknown field/,
  },
];

let current: BrokerE2e | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

describe.each(BROKERS)('dead letters on $kind', (broker) => {
  it('100 malformed messages among valid ones: 100 dead letters with reasons, workers alive, the valid ones prepared; replay over HTTP and CLI', async () => {
    const e2e = await BrokerE2e.open(broker, 'dead');
    current = e2e;
    const fenceKey = (user: string) => `${e2e.namespace}:fence:{${ACTIVITY}:${user}}`;
    // A fencing token from the future: every write of these users' prepared data is refused, so
    // their (valid) messages fail their chain MAX_ATTEMPTS times and are dead-lettered too.
    for (const user of POISONED_USERS) await e2e.redis.set(fenceKey(user), String(Number.MAX_SAFE_INTEGER));

    const malformed = MALFORMED.flatMap((kind) => Array.from({ length: 10 }, (_, n) => ({ ...kind, body: kind.body(n) })));
    const valid = Array.from({ length: VALID }, (_, index) => browseMessage(`v${index}`, `${e2e.namespace}-v${index}`, index));
    const poisoned = POISONED_USERS.map((user, index) => browseMessage(user, `${e2e.namespace}-${user}`, index));

    // Two consuming processes: `serve` (the API and consumers) and a `worker`.
    const [api, worker] = await Promise.all([e2e.serve([]), e2e.worker()]);
    const workers = [api, worker];
    // Interleaved: three valid messages, then a malformed one, and so on; the poisoned ones in the middle.
    for (let index = 0; index < VALID; index += 1) {
      await e2e.publisher.publish(valid[index] as BehaviorMessage);
      if (index % 3 === 2 && malformed[Math.floor(index / 3)])
        await e2e.publisher.publishRaw(malformed[Math.floor(index / 3)]?.body as string);
      if (index === VALID / 2) for (const message of poisoned) await e2e.publisher.publish(message);
    }

    await waitFor(
      async () => (await e2e.deadLetters()).length >= malformed.length + poisoned.length,
      30_000,
      async () => `${(await e2e.deadLetters()).length} dead letters`,
    );
    let unprepared = valid.map((message) => message.eventId);
    await waitFor(
      async () => {
        unprepared = await e2e.unfinished(unprepared);
        return unprepared.length === 0;
      },
      30_000,
      () => `${unprepared.length} valid messages not prepared`,
    );

    // Exactly one dead letter per malformed message, each with the reason of its kind.
    const letters = await e2e.deadLetters();
    expect(letters.length).toBe(malformed.length + poisoned.length);
    for (const message of malformed) {
      const ofBody = letters.filter((letter) => letter.body === message.body);
      expect(ofBody.length, `${message.kind}: ${message.body}`).toBe(1);
      expect(ofBody[0]?.reason, message.kind).toMatch(message.reason);
      expect(ofBody[0]?.attempts, message.kind).toBe(1);
    }
    // The poisoned ones kept failing and were dead-lettered after the bound, with the chain's reason.
    for (const message of poisoned) {
      const [letter] = letters.filter((entry) => entry.body === JSON.stringify(message));
      expect(letter?.reason).toMatch(new RegExp(`^failed after ${MAX_ATTEMPTS} attempts: ${ACTIVITY}: store-prepared: .*fencing token`));
      expect(letter?.attempts).toBe(MAX_ATTEMPTS);
    }
    expect(workers.map((worker) => worker.alive())).toEqual([true, true]);
    const prepared = await e2e.prepared([...valid.map((message) => message.userId), ...POISONED_USERS]);
    expect(valid.filter((message) => prepared.get(message.userId)?.eventId !== message.eventId)).toEqual([]);
    expect(POISONED_USERS.map((user) => prepared.get(user))).toEqual([undefined, undefined]);

    // Listed over HTTP and by the CLI.
    const listed = await http('GET', `${api.url}/v1/dead-letters?limit=1000`);
    expect(listed.status).toBe(200);
    expect(listed.body.deadLetters).toHaveLength(malformed.length + poisoned.length);
    const cliList = await e2e.cli(['dead-letters', 'list', '--limit', '1000']);
    expect(cliList.code).toBe(0);
    expect(cliList.stdout.match(/^[0-9a-f]{8}-[0-9a-f-]{27}\s/gm)).toHaveLength(malformed.length + poisoned.length);
    expect(cliList.stdout).toContain('message.occurredAt: expected an ISO-8601 time');

    // The downstream fault is gone: the poisoned messages are valid now. Replay one over HTTP, one by CLI.
    for (const user of POISONED_USERS) await e2e.redis.del(fenceKey(user));
    const idOf = (message: BehaviorMessage) => letters.find((letter) => letter.body === JSON.stringify(message))?.id as string;
    const [viaHttp, viaCli] = poisoned as [BehaviorMessage, BehaviorMessage];
    const replayed = await http('POST', `${api.url}/v1/dead-letters/${idOf(viaHttp)}/replay`);
    expect(replayed.status).toBe(200);
    expect(replayed.body).toMatchObject({ id: idOf(viaHttp), replayedAt: expect.any(String) });
    const cliReplay = await e2e.cli(['dead-letters', 'replay', idOf(viaCli)]);
    expect(cliReplay).toMatchObject({ code: 0, stdout: expect.stringContaining(`replayed ${idOf(viaCli)}`) });
    await waitFor(
      async () => [...(await e2e.prepared(POISONED_USERS)).values()].every((data) => data !== undefined),
      20_000,
      () => 'the replayed messages were not prepared',
    );
    const afterReplay = await e2e.prepared(POISONED_USERS);
    expect(POISONED_USERS.map((user) => afterReplay.get(user)?.eventId)).toEqual(poisoned.map((message) => message.eventId));
    expect((await http('POST', `${api.url}/v1/dead-letters/${idOf(viaHttp)}/replay`)).status).toBe(409);

    // A malformed one cannot be replayed: 400 naming the field, and the CLI says the same.
    const noUser = letters.find((letter) => letter.body === malformed.find((message) => message.kind === 'no userId')?.body);
    const refused = await http('POST', `${api.url}/v1/dead-letters/${noUser?.id}/replay`);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({
      code: 'invalid_input',
      details: [{ path: 'message.userId', message: expect.any(String) }],
    });
    const cliRefused = await e2e.cli(['dead-letters', 'replay', noUser?.id as string]);
    expect(cliRefused.code).toBe(1);
    expect(cliRefused.stderr).toContain('message.userId');

    // What is left to look at: the malformed ones; the workers never stopped.
    const remaining = await http('GET', `${api.url}/v1/dead-letters?limit=1000`);
    expect(remaining.body.deadLetters).toHaveLength(malformed.length);
    expect(workers.map((worker) => worker.alive())).toEqual([true, true]);
    expect(await Promise.all(workers.map((child) => child.stop()))).toEqual([0, 0]);
  }, 240_000);
});
