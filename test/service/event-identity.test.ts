import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../src/domain/errors.js';
import { MemoryEventFingerprints } from '../../src/infra/memory/memory-event-fingerprints.js';
import { EventIdentity } from '../../src/service/event-identity.js';

const PATHS = { channelCode: 'params.channelCode', userId: 'body.userId', payload: 'body.payload' };
const event = { eventId: 'e1', channelCode: 'home_banner', userId: 'u1', payload: { platform: 'ios', items: [1, 2] } };

describe('EventIdentity', () => {
  it('lets a retry with the same content through, whatever the key order of its payload', async () => {
    const identity = new EventIdentity(new MemoryEventFingerprints());
    await identity.claim(event, PATHS);
    await expect(identity.claim({ ...event, payload: { items: [1, 2], platform: 'ios' } }, PATHS)).resolves.toBeUndefined();
  });

  it('refuses the event id with another payload, naming body.payload', async () => {
    const identity = new EventIdentity(new MemoryEventFingerprints());
    await identity.claim(event, PATHS);
    const refused = identity.claim({ ...event, payload: { platform: 'android' } }, PATHS);
    await expect(refused).rejects.toBeInstanceOf(ConflictError);
    await expect(refused).rejects.toMatchObject({ code: 'conflict', retryable: false, details: [{ path: 'body.payload' }] });
  });

  it('names each part that differs: the user, the channel', async () => {
    const identity = new EventIdentity(new MemoryEventFingerprints());
    await identity.claim(event, PATHS);
    await expect(identity.claim({ ...event, userId: 'u2' }, PATHS)).rejects.toMatchObject({ details: [{ path: 'body.userId' }] });
    await expect(identity.claim({ ...event, channelCode: 'other', payload: {} }, PATHS)).rejects.toMatchObject({
      details: [{ path: 'params.channelCode' }, { path: 'body.payload' }],
    });
  });

  it('treats a missing payload as an empty one', async () => {
    const identity = new EventIdentity(new MemoryEventFingerprints());
    const { payload: _payload, ...bare } = event;
    await identity.claim(bare, PATHS);
    await expect(identity.claim({ ...bare, payload: {} }, PATHS)).resolves.toBeUndefined();
  });
});
