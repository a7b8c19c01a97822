import type { Logger } from 'pino';

/** SIGTERM or SIGINT: stop taking work, finish and settle what is in flight, exit 0. */
export function stopOnSignals(logger: Logger, shutdown: () => Promise<void>): void {
  const stop = async (signal: string) => {
    logger.info({ signal }, 'shutting down: no new requests or messages, finishing those in flight');
    try {
      await shutdown();
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
    logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
