import { ConflictError, type ErrorDetail } from '../domain/errors.js';
import type { EventFingerprints } from '../domain/ports/event-fingerprints.js';
import { contentHash } from './canonical-json.js';

/** The content an event id stands for; `lock` and times are not content (a retry may differ there). */
export interface IdentifiedEvent {
  readonly eventId: string;
  readonly channelCode: string;
  readonly userId: string;
  readonly payload?: Readonly<Record<string, unknown>>;
}

/** Where each part of the event came from, so that a refusal names the caller's own field. */
export interface EventFieldPaths {
  readonly channelCode: string;
  readonly userId: string;
  readonly payload: string;
}

/** A day: far longer than any client or broker retries one event. */
export const DEFAULT_EVENT_FINGERPRINT_TTL_MS = 24 * 60 * 60 * 1000;

const PARTS = ['channelCode', 'userId', 'payload'] as const;

/**
 * The client's handle on an event is its event id (the ledger's key comes from business identity,
 * so it cannot tell a retry from a different event that reuses an id). The first use of an event id
 * records a fingerprint of what it carried; a later use with other content is refused as a
 * conflict before anything runs, and a retry with the same content goes on as before.
 */
export class EventIdentity {
  readonly #store: EventFingerprints;
  readonly #ttlMs: number;

  constructor(store: EventFingerprints, options: { readonly ttlMs?: number } = {}) {
    this.#store = store;
    this.#ttlMs = options.ttlMs ?? DEFAULT_EVENT_FINGERPRINT_TTL_MS;
  }

  /**
   * Channel code and user id are short ids and kept as they are (URI-encoded, so `;` and `=` stay
   * separators); only the payload is hashed. Part by part, so a refusal can say which part differs.
   */
  static fingerprint(event: IdentifiedEvent): string {
    const payloadHash = contentHash(event.payload ?? {}).slice(0, 16);
    return `channelCode=${encodeURIComponent(event.channelCode)};userId=${encodeURIComponent(event.userId)};payload=${payloadHash}`;
  }

  /** Throws ConflictError (naming the differing fields) when the event id was first used with other content. */
  async claim(event: IdentifiedEvent, paths: EventFieldPaths): Promise<void> {
    const fingerprint = EventIdentity.fingerprint(event);
    const recorded = await this.#store.claim(event.eventId, fingerprint, this.#ttlMs);
    if (recorded === fingerprint) return;
    const before = parse(recorded);
    const now = parse(fingerprint);
    const differing = PARTS.filter((part) => before.get(part) !== now.get(part));
    const details: ErrorDetail[] = (differing.length > 0 ? differing : PARTS).map((part) => ({
      path: paths[part],
      message: `differs from the first use of event id '${event.eventId}'`,
    }));
    throw new ConflictError(
      `event id '${event.eventId}' was already used for an event with a different ${differing.join(' and ') || 'content'}; a retry must repeat the event as it was, a new event needs a new event id`,
      details,
    );
  }
}

function parse(fingerprint: string): Map<string, string> {
  return new Map(fingerprint.split(';').map((entry) => entry.split('=', 2) as [string, string]));
}
