import { ConflictError, NotFoundError } from '../domain/errors.js';
import type { BehaviorMessage, Broker, RawQueue } from '../domain/ports/broker.js';
import type { Clock } from '../domain/ports/clock.js';
import type { DeadLetter, DeadLetterStore } from '../domain/ports/dead-letter-store.js';

export interface DeadLetterReplayDeps {
  readonly deadLetters: DeadLetterStore;
  readonly broker: Broker;
  readonly clock: Clock;
  /** The dead letter's body as a message; throws (naming the field) when it still does not parse. */
  readonly parse: (body: string) => BehaviorMessage;
  /** Where raw behaviors go back to, and how to tell their letters (by `source`) and check their bodies. */
  readonly raw?: {
    readonly queue: Pick<RawQueue, 'publishRaw'>;
    readonly isRawLetter: (letter: DeadLetter) => boolean;
    /** Throws (naming the field) when the body still is not a valid raw behavior. */
    readonly check: (body: string) => void;
  };
}

/**
 * Puts a dead letter's original message back on the broker, once: the admin API and the CLI use it.
 * A raw behavior's letter goes back to the raw-behavior queue it came from, a rule message's to the
 * behavior queue.
 */
export class DeadLetterReplay {
  readonly #deps: DeadLetterReplayDeps;

  constructor(deps: DeadLetterReplayDeps) {
    this.#deps = deps;
  }

  async replay(id: string): Promise<DeadLetter> {
    const { deadLetters, broker, clock, parse, raw } = this.#deps;
    const letter = await deadLetters.get(id);
    if (!letter) throw new NotFoundError('dead letter', id);
    if (letter.replayedAt) throw new ConflictError(`dead letter ${id} was already replayed at ${letter.replayedAt}`);
    const isRaw = raw?.isRawLetter(letter) === true;
    // Its own message id: a de-duplicating broker would otherwise drop it as a repeat of the original.
    const messageId = `dead-letter:${letter.id}`;
    let publish: () => Promise<void>;
    if (raw && isRaw) {
      raw.check(letter.body);
      publish = async () => raw.queue.publishRaw(letter.body, { messageId });
    } else {
      const message = parse(letter.body);
      publish = () => broker.publish(message, { messageId });
    }
    // Claimed before publishing: of two concurrent replays only one publishes.
    const claimed = await deadLetters.claimReplay(id, clock.nowMs());
    if (!claimed) throw new ConflictError(`dead letter ${id} is being replayed, or was just replayed`);
    try {
      await publish();
    } catch (error) {
      await deadLetters.releaseReplay(id).catch(() => undefined);
      throw error;
    }
    return claimed;
  }
}
