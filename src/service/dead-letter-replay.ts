import { ConflictError, NotFoundError } from '../domain/errors.js';
import type { BehaviorMessage, Broker } from '../domain/ports/broker.js';
import type { Clock } from '../domain/ports/clock.js';
import type { DeadLetter, DeadLetterStore } from '../domain/ports/dead-letter-store.js';

export interface DeadLetterReplayDeps {
  readonly deadLetters: DeadLetterStore;
  readonly broker: Broker;
  readonly clock: Clock;
  /** The dead letter's body as a message; throws (naming the field) when it still does not parse. */
  readonly parse: (body: string) => BehaviorMessage;
}

/** Puts a dead letter's original message back on the broker, once: the admin API and the CLI use it. */
export class DeadLetterReplay {
  readonly #deps: DeadLetterReplayDeps;

  constructor(deps: DeadLetterReplayDeps) {
    this.#deps = deps;
  }

  async replay(id: string): Promise<DeadLetter> {
    const { deadLetters, broker, clock, parse } = this.#deps;
    const letter = await deadLetters.get(id);
    if (!letter) throw new NotFoundError('dead letter', id);
    if (letter.replayedAt) throw new ConflictError(`dead letter ${id} was already replayed at ${letter.replayedAt}`);
    const message = parse(letter.body);
    // Claimed before publishing: of two concurrent replays only one publishes.
    const claimed = await deadLetters.claimReplay(id, clock.nowMs());
    if (!claimed) throw new ConflictError(`dead letter ${id} is being replayed, or was just replayed`);
    try {
      // Its own message id: a de-duplicating broker would otherwise drop it as a repeat of the original.
      await broker.publish(message, { messageId: `dead-letter:${letter.id}` });
    } catch (error) {
      await deadLetters.releaseReplay(id).catch(() => undefined);
      throw error;
    }
    return claimed;
  }
}
