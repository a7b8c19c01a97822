import { LockLostError, StrategyCenterError } from '../domain/errors.js';
import type { InstanceContext } from '../domain/instance-context.js';
import type { Processor } from '../domain/processor.js';
import type { TraceStep } from '../domain/trace.js';
import { inSpan, type Span, tracingEnabled } from './tracing.js';

/**
 * Runs a chain over one instance: the one place where processors are called. A processor whose
 * `validate` is false is skipped and the chain goes on; `ctx.stop` ends it after that processor;
 * a throw is a fault that fails the instance (and is traced) but never escapes.
 */
export async function runChain(
  ctx: InstanceContext,
  chain: readonly Processor[],
  eventStart: EventStart = eventStartNow(),
): Promise<ChainRun> {
  const run: ChainRun = {};
  for (const [index, processor] of chain.entries()) {
    ctx.upcoming = chain.slice(index + 1).map((next) => next.name);
    const started = performance.now();
    // Only the offset is kept: the wall time is derived when a trace is read (stepsWithWallTimes),
    // which spares every step a Date and an ISO string on the hot path.
    const offsetMs = elapsedMs(eventStart.perfMs, started);
    const statusBefore = ctx.status;
    const reasonBefore = ctx.reason;
    const step = (status: TraceStep['status'], extra: Partial<TraceStep> = {}) => {
      const notes = ctx.takeNotes();
      ctx.steps.push({
        processor: processor.name,
        status,
        durationMs: elapsedMs(started),
        offsetMs,
        ...extra,
        ...(notes ? { notes } : {}),
      });
      if (ctx.status !== statusBefore || ctx.reason !== reasonBefore || status === 'stopped' || status === 'failed') {
        run.decidedBy = processor.name;
      }
    };
    const runStep = async (span: Span | undefined): Promise<boolean> => {
      try {
        if (ctx.lease?.signal.aborted) throw new LockLostError(`${ctx.activity.id}:${ctx.userId}`);
        if (!(await processor.validate(ctx))) {
          span?.setAttribute('processor.status', 'skipped');
          step('skipped', { reason: 'does not apply (validate returned false)' });
          return false;
        }
        await processor.process(ctx);
        if (ctx.stopped) {
          span?.setAttribute('processor.status', 'stopped');
          step('stopped', ctx.reason === undefined ? {} : { reason: ctx.reason });
          return true;
        }
        step('ran');
        return false;
      } catch (error) {
        const code = error instanceof StrategyCenterError ? error.code : 'internal';
        const message = error instanceof Error ? error.message : String(error);
        step('failed', { error: { code, message } });
        ctx.stop('failed', `${processor.name}: ${message}`);
        throw new ChainFault(processor.name, error);
      }
    };
    // Off, the step runs as is: no span name or attributes are even built.
    const stopped = tracingEnabled()
      ? await inSpan(`processor ${processor.name}`, runStep, { attributes: { 'processor.name': processor.name } })
      : await runStep(undefined);
    if (stopped) return run;
  }
  return run;
}

export interface ChainRun {
  /** The processor that set the final status, for "why" answers. */
  decidedBy?: string;
}

/** Carries a processor's fault out of the chain with the processor's name. */
export class ChainFault extends Error {
  readonly processor: string;

  constructor(processor: string, cause: unknown) {
    super(`${processor} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'ChainFault';
    this.processor = processor;
  }
}

/** Milliseconds from `startedAt` (a `performance.now()`) to `until` (default now), to the microsecond. */
export function elapsedMs(startedAt: number, until: number = performance.now()): number {
  return Math.round((until - startedAt) * 1000) / 1000;
}

/**
 * When the event began, on both clocks: offsets come from the monotonic one (immune to clock
 * steps), wall times are the wall start plus the offset, so the steps of one event line up.
 */
export interface EventStart {
  readonly perfMs: number;
  readonly wallMs: number;
}

export function eventStartNow(): EventStart {
  return { perfMs: performance.now(), wallMs: Date.now() };
}
