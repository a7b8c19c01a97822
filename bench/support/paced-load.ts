import { connect, type Socket } from 'node:net';
import type { LoadResult } from './load.js';
import { round } from './services.js';

export interface PacedOptions {
  readonly url: string;
  /** Keep-alive connections; a request waits for a free one (and the wait counts). */
  readonly connections: number;
  /** Requests per second, spread evenly. */
  readonly rate: number;
  readonly amount: number;
  readonly body: (i: number) => unknown;
  /**
   * Requests unanswered at once before the run gives up on the rate: the server cannot keep up,
   * and waiting for a queue that only grows would tell nothing more. Default: a quarter second's worth.
   */
  readonly maxBacklog?: number;
}

export type PacedResult = LoadResult & {
  /**
   * The rate is beyond the server's capacity: it fell `maxBacklog` requests behind (and sending
   * stopped early), or answered less than 95 % of the rate. Its latencies are then those of a queue.
   */
  readonly saturated: boolean;
};

interface Connection {
  readonly socket: Socket;
  /** The request in flight: when it was due. */
  dueAt: number | undefined;
  buffered: Buffer;
}

/**
 * An open-loop load at a fixed rate: request i is due at i / rate seconds and is sent then, on the
 * first free keep-alive connection, whether or not earlier ones were answered. Latency runs from the
 * moment a request was due, so time spent waiting for a free connection counts (no coordinated
 * omission).
 *
 * autocannon's `overallRate` is not used for this: each of its connections sends its whole quota
 * for the second back to back and then pauses until the next second, so "2,000 rps" arrives as a
 * burst at the start of every second and measures the burst, not the rate. HTTP/1.1 is spoken over
 * bare sockets (as autocannon does): node:http's client costs as much CPU per request as the server
 * under test, and would make the generator the bottleneck on a small machine.
 */
export async function runPaced(options: PacedOptions): Promise<PacedResult> {
  const target = new URL(options.url);
  const latencies: number[] = [];
  const outcomes: Record<string, number> = {};
  let non2xx = 0;
  let errors = 0;
  let answered = 0;
  let sent = 0;
  let planned = options.amount;
  let saturated = false;
  const maxBacklog = options.maxBacklog ?? Math.ceil(options.rate / 4);
  const intervalMs = 1000 / options.rate;
  const head = `POST ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\nContent-Type: application/json\r\nConnection: keep-alive\r\n`;
  /** Requests due but not yet sent: their due times, oldest first, and their bodies. */
  const waiting: { dueAt: number; payload: string }[] = [];
  let allAnswered: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    allAnswered = resolve;
  });
  const settle = () => {
    answered += 1;
    if (answered === planned) allAnswered();
  };
  const send = (connection: Connection) => {
    const next = waiting.shift();
    if (!next) return;
    connection.dueAt = next.dueAt;
    connection.socket.write(`${head}Content-Length: ${Buffer.byteLength(next.payload)}\r\n\r\n${next.payload}`);
  };
  const onResponse = (connection: Connection, status: number, body: string) => {
    const dueAt = connection.dueAt ?? performance.now();
    connection.dueAt = undefined;
    if (status >= 200 && status < 300) {
      latencies.push(performance.now() - dueAt);
      const outcome = /"status":"(\w+)"/.exec(body)?.[1] ?? 'none';
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    } else {
      non2xx += 1;
    }
    settle();
    send(connection);
  };
  const connections = await Promise.all(
    Array.from({ length: options.connections }, () =>
      open(target, onResponse, () => {
        errors += 1;
        settle();
      }),
    ),
  );
  const free = () => connections.find((connection) => connection.dueAt === undefined && !connection.socket.destroyed);

  const start = performance.now();
  // A timer tick is ~1 ms at best; each tick releases everything that has fallen due since the last.
  while (sent < options.amount) {
    if (sent - answered > maxBacklog) {
      saturated = true;
      planned = sent;
      break;
    }
    const due = Math.min(options.amount, Math.floor((performance.now() - start) / intervalMs) + 1);
    while (sent < due) {
      waiting.push({ dueAt: start + sent * intervalMs, payload: JSON.stringify(options.body(sent)) });
      sent += 1;
      const connection = free();
      if (connection) send(connection);
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  if (answered < planned) await finished;
  const seconds = (performance.now() - start) / 1000;
  for (const connection of connections) connection.socket.destroy();
  if (planned / seconds < 0.95 * options.rate) saturated = true;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN, 2);
  return {
    reqPerSec: round(planned / seconds),
    p50Ms: at(0.5),
    p90Ms: at(0.9),
    p99Ms: at(0.99),
    maxMs: round(latencies[latencies.length - 1] ?? Number.NaN, 2),
    requests: planned,
    seconds: round(seconds, 2),
    connections: options.connections,
    offeredRps: options.rate,
    non2xx,
    errors,
    timeouts: 0,
    outcomes,
    saturated,
  };
}

/** One keep-alive connection reading responses with a Content-Length (what fastify sends). */
async function open(
  target: URL,
  onResponse: (connection: Connection, status: number, body: string) => void,
  onError: () => void,
): Promise<Connection> {
  const socket = connect({ host: target.hostname, port: Number(target.port) });
  socket.setNoDelay(true);
  const connection: Connection = { socket, dueAt: undefined, buffered: Buffer.alloc(0) };
  socket.on('data', (chunk: Buffer) => {
    connection.buffered = connection.buffered.length === 0 ? chunk : Buffer.concat([connection.buffered, chunk]);
    for (;;) {
      const headerEnd = connection.buffered.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const headers = connection.buffered.subarray(0, headerEnd).toString('latin1');
      const status = Number(headers.slice(9, 12));
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(headers)?.[1] ?? 0);
      const end = headerEnd + 4 + length;
      if (connection.buffered.length < end) return;
      const body = connection.buffered.subarray(headerEnd + 4, end).toString('utf8');
      connection.buffered = connection.buffered.subarray(end);
      onResponse(connection, status, body);
    }
  });
  socket.on('error', () => {
    if (connection.dueAt !== undefined) {
      connection.dueAt = undefined;
      onError();
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return connection;
}
