export type StepStatus = 'ran' | 'skipped' | 'stopped' | 'failed';

/** One processor's run within a chain. */
export interface TraceStep {
  readonly processor: string;
  readonly status: StepStatus;
  readonly durationMs: number;
  /**
   * How long after the event began the step began, for a waterfall of steps; `startedAt` (ISO) is
   * derived from it and the chain's start when a trace is read (`withStepWallTimes`).
   */
  readonly offsetMs?: number;
  readonly startedAt?: string;
  readonly reason?: string;
  readonly error?: { readonly code: string; readonly message: string };
  /** The inputs the processor decided on (rule verdicts, stock, assets held), for "why" questions. */
  readonly notes?: Readonly<Record<string, unknown>>;
}

/** Everything one activity's chain did for one event; kept so an operator can ask "why". */
export interface ChainTrace {
  readonly eventId: string;
  readonly channelCode: string;
  readonly activityId: string;
  readonly userId: string;
  readonly template: string;
  readonly startedAt: string;
  /** How long after the event began this chain began (chains of one event run side by side). */
  readonly offsetMs?: number;
  readonly durationMs: number;
  readonly status: string;
  readonly reason?: string;
  /** A short, stable code for the reason (domain/reason-codes.ts), when the deciding processor gave one. */
  readonly reasonCode?: string;
  /** The processor that set the final status (or the cap, when a cap refused the event before the chain). */
  readonly decidedBy?: string;
  /**
   * The click cap, when it refused the event before the chain ran (`limits.clicksPerUser`); a
   * refusal by `benefit.perUserPer` is decided in the ledger and named in its step's notes (`cap`).
   */
  readonly cap?: string;
  readonly lock?: { readonly fence: number };
  /** A dry run: nothing was written. */
  readonly dryRun?: boolean;
  /** The event's payload, so that traces can be exported and replayed. */
  readonly payload?: Readonly<Record<string, unknown>>;
  readonly steps: readonly TraceStep[];
  /** The OpenTelemetry trace this chain ran in (when tracing is on), to find its spans from the record. */
  readonly traceId?: string;
}

/** The chain with each step's wall start filled in from the chain's start and the step's offset. */
export function withStepWallTimes(chain: ChainTrace): ChainTrace {
  const eventWallMs = Date.parse(chain.startedAt) - (chain.offsetMs ?? 0);
  if (!Number.isFinite(eventWallMs)) return chain;
  return {
    ...chain,
    steps: chain.steps.map((step) =>
      step.offsetMs === undefined || step.startedAt !== undefined
        ? step
        : { ...step, startedAt: new Date(eventWallMs + step.offsetMs).toISOString() },
    ),
  };
}
