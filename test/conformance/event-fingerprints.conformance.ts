import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventFingerprints } from '../../src/domain/ports/event-fingerprints.js';
import { type MakeSubject, type Subject, shuffled, sleep } from './conformance-support.js';

const LONG_TTL_MS = 60_000;

export function describeEventFingerprintsConformance(name: string, make: MakeSubject<EventFingerprints>): void {
  describe(`EventFingerprints conformance: ${name}`, () => {
    let subject: Subject<EventFingerprints>;
    let store: EventFingerprints;

    beforeEach(async () => {
      subject = await make();
      store = subject.store;
    });
    afterEach(async () => {
      await subject.close();
    });

    it('records the first fingerprint of an event id and answers it to every later claim', async () => {
      expect(await store.claim('e1', 'fp-a', LONG_TTL_MS)).toBe('fp-a');
      expect(await store.claim('e1', 'fp-a', LONG_TTL_MS)).toBe('fp-a');
      expect(await store.claim('e1', 'fp-b', LONG_TTL_MS)).toBe('fp-a');
      expect(await store.claim('e2', 'fp-b', LONG_TTL_MS)).toBe('fp-b');
    });

    it('gives one of many concurrent claims of one event id the win, and tells every other one', async () => {
      const fingerprints = shuffled(Array.from({ length: 100 }, (_, i) => `fp-${i}`));
      const answers = await Promise.all(fingerprints.map((fingerprint) => store.claim('contended', fingerprint, LONG_TTL_MS)));
      expect(new Set(answers).size).toBe(1);
      expect(fingerprints).toContain(answers[0]);
    });

    it('forgets an event id after its ttl', async () => {
      await store.claim('short', 'fp-a', 50);
      await sleep(120);
      expect(await store.claim('short', 'fp-b', LONG_TTL_MS)).toBe('fp-b');
    });
  });
}
