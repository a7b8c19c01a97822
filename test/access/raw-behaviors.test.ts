import { afterEach, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app/create-app.js';
import type { InProcessBroker } from '../../src/infra/memory/in-process-broker.js';
import { sampleConfigFile } from '../support/sample-app.js';

let app: App | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function startWorker(): Promise<{ app: App; raw: InProcessBroker; rules: InProcessBroker }> {
  app = await createApp({ configPath: sampleConfigFile(), maxDeliveryAttempts: 3 });
  await app.startConsuming();
  return { app, raw: app.rawBehaviors as InProcessBroker, rules: app.broker as InProcessBroker };
}

const view = (userId: string, i: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ userId, type: 'item_view', itemId: `sku-00${i + 1}`, eventId: `${userId}-v${i}`, ...extra });

describe('raw behaviors on the broker (in-process)', () => {
  it('counts them against the rules, fires and prepares as POST /v1/behaviors does; bad ones are dead-lettered naming the field', async () => {
    const { app, raw, rules } = await startWorker();
    for (let i = 0; i < 3; i += 1) raw.publishRaw(view('u1', i));
    raw.publishRaw(JSON.stringify({ type: 'item_view', itemId: 'sku-001' }), { messageId: 'no-user' });
    raw.publishRaw('{"userId": ', { messageId: 'not-json' });
    raw.publishRaw(JSON.stringify({ userId: 'u2', type: 'item_view', colour: 'red' }), { messageId: 'unknown-field' });
    await raw.drained();
    await rules.drained();

    expect((await app.rights.instanceOf('act-1001', 'u1')).prepared).not.toBeNull();
    const letters = await app.deadLetters.list();
    expect(letters).toHaveLength(3);
    expect(letters.every((letter) => letter.source === 'in-process:raw-behaviors')).toBe(true);
    const reasons = letters.map((letter) => letter.reason);
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringContaining('(root): unknown field(s): colour'),
        expect.stringContaining('raw behavior is not JSON'),
        expect.stringContaining('userId: is required'),
      ]),
    );
    const behaviors = await app.metrics.behaviors.get();
    expect(behaviors.values.find((v) => v.labels.fired === 'true')?.value).toBe(1);
  });

  it('counts a redelivered or republished behavior once, with or without an event id of its own', async () => {
    const { app, raw, rules } = await startWorker();
    // The same two behaviors twice each: by their eventId, and (no eventId) by the delivery's id.
    for (let round = 0; round < 2; round += 1) {
      raw.publishRaw(view('u3', 0));
      raw.publishRaw(JSON.stringify({ userId: 'u3', type: 'item_view', itemId: 'sku-002' }), { messageId: 'relay-42' });
    }
    await raw.drained();
    await rules.drained();
    expect((await app.rights.instanceOf('act-1001', 'u3')).prepared).toBeNull();
    raw.publishRaw(view('u3', 2));
    await raw.drained();
    await rules.drained();
    expect((await app.rights.instanceOf('act-1001', 'u3')).prepared).not.toBeNull();
  });

  it('replays a raw dead letter to the raw-behavior queue once it is fixed, and refuses one that still does not validate', async () => {
    const { app, raw, rules } = await startWorker();
    raw.publishRaw(JSON.stringify({ userId: 'u4', type: 'item_view', at: 'yesterday' }), { messageId: 'bad-at' });
    await raw.drained();
    const [letter] = await app.deadLetters.list();
    expect(letter?.reason).toContain('at: expected an ISO-8601 time');
    await expect(app.replayDeadLetter(letter?.id as string)).rejects.toThrow(/at: expected an ISO-8601 time/);

    // A behavior whose counting kept failing is replayed under the event id it was counted with.
    for (let i = 0; i < 2; i += 1) raw.publishRaw(view('u5', i));
    await raw.drained();
    const failing = app.rawBehaviors as InProcessBroker;
    const published = rules.publish.bind(rules);
    let refusals = 0;
    rules.publish = async () => {
      refusals += 1;
      throw new Error('broker away');
    };
    failing.publishRaw(JSON.stringify({ userId: 'u5', type: 'item_view', itemId: 'sku-003' }), { messageId: 'third' });
    await raw.drained();
    expect(refusals).toBe(3);
    const deadLetter = (await app.deadLetters.list()).find((l) => l.reason.startsWith('failed after 3 attempts'));
    expect(JSON.parse(deadLetter?.body as string)).toMatchObject({ userId: 'u5', eventId: 'third' });
    rules.publish = published;
    await app.replayDeadLetter(deadLetter?.id as string);
    await raw.drained();
    await rules.drained();
    expect((await app.rights.instanceOf('act-1001', 'u5')).prepared).not.toBeNull();
    expect((await app.deadLetters.list()).filter((l) => l.source.endsWith(':raw-behaviors'))).toHaveLength(1);
  });
});
