import type { EventEmitter } from 'node:events';
import autocannon from 'autocannon';
import { round } from './services.js';

export interface LoadResult {
  readonly reqPerSec: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly requests: number;
  readonly seconds: number;
  readonly connections: number;
  /** The rate asked for, when the run was throttled; absent for a run at full speed. */
  readonly offeredRps?: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  /** Outcome status of the first activity in each 200 answer: `issued`, `existing`, … */
  readonly outcomes: Readonly<Record<string, number>>;
}

export interface LoadOptions {
  readonly url: string;
  readonly connections: number;
  /** Total requests; the run ends when all are answered. */
  readonly amount?: number;
  /** Seconds, for a run without `amount`. */
  readonly seconds?: number;
  /** Requests per second over all connections; full speed when absent. */
  readonly overallRate?: number;
  /** The JSON body of request `i` (0-based, in the order they are sent). */
  readonly body: (i: number) => unknown;
}

/**
 * One autocannon run of POSTs with a body per request. Latency is kept per response at full
 * precision (autocannon's own histogram has whole milliseconds, too coarse for a 10 ms target);
 * percentiles are exact over every 2xx response, no coordinated-omission correction.
 */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  const outcomes: Record<string, number> = {};
  let sent = 0;
  // Timed here: autocannon's own `duration` counts whole seconds of its sampling ticks, so every run of
  // a fixed `amount` that ends within the same second reads as the same rate (measured: 997 req/s at
  // 16, 64 and 256 connections alike).
  const startedMs = performance.now();
  // autocannon reports the end of an `amount` run on its next one-second tick, so the callback's time
  // rounds each run up to whole seconds (1,500 requests read as 496 or 373 req/s, nothing between):
  // the run ends with its last response.
  let lastResponseMs = startedMs;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        ...(options.amount === undefined ? { duration: options.seconds ?? 5 } : { amount: options.amount }),
        ...(options.overallRate === undefined ? {} : { overallRate: options.overallRate }),
        timeout: 10,
        requests: [
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            setupRequest: (request) => ({ ...request, body: JSON.stringify(options.body(sent++)) }),
            onResponse: (status, body) => {
              if (status !== 200) return;
              const outcome = /"status":"(\w+)"/.exec(body)?.[1] ?? 'none';
              outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
            },
          },
        ],
      },
      (error: unknown, result: autocannon.Result) => {
        if (error) return reject(error);
        const seconds = ((options.amount === undefined ? performance.now() : lastResponseMs) - startedMs) / 1000;
        latencies.sort((a, b) => a - b);
        const at = (q: number) => round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN, 2);
        resolve({
          reqPerSec: round(result.requests.total / seconds),
          p50Ms: at(0.5),
          p90Ms: at(0.9),
          p99Ms: at(0.99),
          maxMs: round(latencies[latencies.length - 1] ?? Number.NaN, 2),
          requests: result.requests.total,
          seconds: round(seconds, 2),
          connections: options.connections,
          ...(options.overallRate === undefined ? {} : { offeredRps: options.overallRate }),
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          outcomes,
        });
      },
    );
    // The typings name three arguments; autocannon 9 emits the client first, then status, bytes and ms.
    (instance as EventEmitter).on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      lastResponseMs = performance.now();
      if (status >= 200 && status < 300) latencies.push(ms);
    });
  });
}
