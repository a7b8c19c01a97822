export type StepStatus = 'ran' | 'skipped' | 'stopped' | 'failed';

/** One processor's run within a chain. */
export interface TraceStep {
  readonly processor: string;
  readonly status: StepStatus;
  readonly durationMs: number;
  readonly reason?: string;
  readonly error?: { readonly code: string; readonly message: string };
}

/** Everything one activity's chain did for one event; kept so an operator can ask "why". */
export interface ChainTrace {
  readonly eventId: string;
  readonly channelCode: string;
  readonly activityId: string;
  readonly userId: string;
  readonly template: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly status: string;
  readonly reason?: string;
  readonly lock?: { readonly fence: number };
  readonly steps: readonly TraceStep[];
}
