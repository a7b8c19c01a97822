import { Socket } from 'node:net';
import { REDIS_URL } from './services.js';

/**
 * Counts the socket writes this process sends to Redis: each is one round trip as the client sees
 * it (a pipeline or an auto-pipelined batch of commands is one write). Patches `Socket.write` for
 * the duration of a measurement; the server child of the intake phase is counted by the preload
 * `count-redis-writes.cjs` instead.
 */
export function startWriteCount(): () => { writes: number; bytes: number } {
  const port = Number(new URL(REDIS_URL).port || 6379);
  const counts = { writes: 0, bytes: 0 };
  const original = Socket.prototype.write;
  const counted = function (this: Socket, chunk: unknown, ...rest: unknown[]) {
    if (this.remotePort === port) {
      counts.writes += 1;
      counts.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : (chunk as Uint8Array).length;
    }
    return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  };
  Socket.prototype.write = counted as typeof Socket.prototype.write;
  return () => {
    Socket.prototype.write = original;
    return { ...counts };
  };
}
