import { EventEmitter } from 'node:events';
import type { ChangeFeed, ChangeFeedListener, ChangeFeedSubscription, ConfigChangeNotice } from '../../domain/ports/change-feed.js';

const CHANGED = 'changed';

/**
 * The embedded default: notices stay inside this process. Delivered on a later tick, as a real
 * feed would, so that no publisher ever depends on listeners having run before it returns.
 */
export class MemoryChangeFeed implements ChangeFeed {
  readonly kind = 'memory';
  readonly #events = new EventEmitter().setMaxListeners(0);

  async publish(notice: ConfigChangeNotice): Promise<void> {
    setImmediate(() => this.#events.emit(CHANGED, notice));
  }

  async subscribe(listener: ChangeFeedListener): Promise<ChangeFeedSubscription> {
    const onChanged = (notice: ConfigChangeNotice) => listener.changed(notice);
    this.#events.on(CHANGED, onChanged);
    return {
      close: async () => {
        this.#events.off(CHANGED, onChanged);
      },
    };
  }
}
