import type { Activity } from '../../src/domain/activity.js';
import type { TraceStore } from '../../src/domain/ports/trace-store.js';
import type { Processor } from '../../src/domain/processor.js';
import type { Dispatcher as DispatcherType } from '../../src/service/dispatcher.js';
import { fromDist } from '../support/dist.js';
import { round } from '../support/services.js';

export interface EngineResult {
  /** (ns per dispatch with 5 no-op steps − ns per dispatch with an empty chain) / 5. */
  readonly nsPerStep: number;
  readonly method: string;
  /** (5 steps − 1 step) / 4: what one more processor costs, the instance and trace already paid for. */
  readonly marginalNsPerStep: number;
  readonly nsPerDispatch: { readonly steps0: number; readonly steps1: number; readonly steps5: number };
  /** The 5-step dispatch with the app's MemoryTraceStore (default bounds, full) instead of a discarding one. */
  readonly nsPerDispatchWithMemoryTraces: number;
  readonly dispatchesPerRound: number;
  readonly rounds: number;
}

const NOW = Date.parse('2026-06-01T00:00:00Z');
const STEPS = 5;

const activity: Activity = {
  id: 'act-bench',
  name: 'engine bench',
  template: { id: 'noop', version: '1.0' },
  channels: ['c0', 'c1', 'c5'],
  window: { startMs: Date.parse('2026-01-01T00:00:00Z'), endMs: Date.parse('2027-01-01T00:00:00Z') },
  status: 'active',
  rules: [],
  benefit: { pool: 'p', stock: 10, perUser: 1, validForMs: 1000 },
  preparedTtlMs: 1000,
  params: {},
};

/**
 * The engine alone: channel → activity → instance → chain → trace, on the memory adapters, no lock.
 * Five processors that do nothing, against an empty chain (the baseline) and a one-step chain.
 * Dispatches run one after another (awaited), so the figure is overhead per event, not throughput.
 *
 * The steps are measured with a trace store that keeps nothing: the memory trace store's own
 * bookkeeping costs tens of µs per dispatch once it is full and varies by as much, which would
 * bury a step's few hundred ns. What a dispatch costs with the real MemoryTraceStore (default
 * bounds, filled) is measured beside it, as `nsPerDispatchWithMemoryTraces`.
 */
export async function benchEngine(options: { dispatches: number; rounds: number }): Promise<EngineResult> {
  const { declaredTemplate } = await fromDist<typeof import('../../src/domain/strategy-template.js')>('domain/strategy-template.js');
  const { MemoryActivityRepository } = await fromDist<typeof import('../../src/infra/memory/memory-activity-repository.js')>(
    'infra/memory/memory-activity-repository.js',
  );
  const { MemoryInstanceStore } = await fromDist<typeof import('../../src/infra/memory/memory-instance-store.js')>(
    'infra/memory/memory-instance-store.js',
  );
  const { MemoryLockStore } =
    await fromDist<typeof import('../../src/infra/memory/memory-lock-store.js')>('infra/memory/memory-lock-store.js');
  const { MemoryTraceStore } = await fromDist<typeof import('../../src/infra/memory/memory-trace-store.js')>(
    'infra/memory/memory-trace-store.js',
  );
  const { Dispatcher } = await fromDist<typeof import('../../src/service/dispatcher.js')>('service/dispatcher.js');
  const { InstanceLocks } = await fromDist<typeof import('../../src/service/instance-lock.js')>('service/instance-lock.js');
  const { ProcessorRegistry } = await fromDist<typeof import('../../src/service/processor-registry.js')>('service/processor-registry.js');
  const { TemplateRegistry } = await fromDist<typeof import('../../src/service/template-registry.js')>('service/template-registry.js');
  const noop = (name: string): Processor => ({ name, validate: () => true, process: async () => {} });
  const processors = Array.from({ length: STEPS }, (_, i) => noop(`noop-${i + 1}`));
  const names = processors.map((p) => p.name);
  const dispatcherWith = (traces: TraceStore) =>
    new Dispatcher({
      activities: new MemoryActivityRepository([activity]),
      templates: new TemplateRegistry([
        declaredTemplate({ id: 'noop', version: '1.0', lock: false, chains: { c0: [], c1: names.slice(0, 1), c5: names } }),
      ]),
      processors: new ProcessorRegistry(processors),
      locks: new InstanceLocks(new MemoryLockStore()),
      instances: new MemoryInstanceStore(),
      traces,
      clock: { nowMs: () => NOW },
    });
  let kept = 0;
  const discarding: TraceStore = {
    append: async () => {
      kept += 1;
    },
    byEvent: async () => [],
    byInstance: async () => [],
    recent: async () => [],
  };
  const engine = dispatcherWith(discarding);
  const withMemoryTraces = dispatcherWith(new MemoryTraceStore());
  const run = async (dispatcher: DispatcherType, channelCode: string, count: number, offset: number) => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < count; i++) {
      await dispatcher.dispatch({ channelCode, userId: `u${(offset + i) % 1000}`, eventId: `e${offset + i}` });
    }
    return Number(process.hrtime.bigint() - started) / count;
  };
  // Warm up every path until the JIT has settled (and the memory trace store is full).
  for (const channel of ['c0', 'c1', 'c5']) await run(engine, channel, 20_000, 0);
  await run(withMemoryTraces, 'c5', 12_000, 0);
  const best = {
    c0: Number.POSITIVE_INFINITY,
    c1: Number.POSITIVE_INFINITY,
    c5: Number.POSITIVE_INFINITY,
    memory: Number.POSITIVE_INFINITY,
  };
  let offset = 100_000;
  for (let r = 0; r < options.rounds; r++) {
    // Interleaved, and the best of the rounds: GC pauses and a noisy neighbour only ever add time.
    for (const channel of ['c0', 'c1', 'c5'] as const) {
      best[channel] = Math.min(best[channel], await run(engine, channel, options.dispatches, offset));
      offset += options.dispatches;
    }
    best.memory = Math.min(best.memory, await run(withMemoryTraces, 'c5', Math.ceil(options.dispatches / 5), offset));
    offset += options.dispatches;
  }
  if (kept === 0) throw new Error('the dispatcher stored no trace: the engine measured is not the one that runs');
  return {
    nsPerStep: round((best.c5 - best.c0) / STEPS),
    method: `(ns/dispatch with ${STEPS} no-op steps − ns/dispatch with an empty chain) / ${STEPS}, traces discarded, best of ${options.rounds} rounds`,
    marginalNsPerStep: round((best.c5 - best.c1) / (STEPS - 1)),
    nsPerDispatch: { steps0: round(best.c0), steps1: round(best.c1), steps5: round(best.c5) },
    nsPerDispatchWithMemoryTraces: round(best.memory),
    dispatchesPerRound: options.dispatches,
    rounds: options.rounds,
  };
}
