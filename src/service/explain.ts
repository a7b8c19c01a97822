import { type Asset, withEffectiveStatus } from '../domain/asset.js';
import type { PreparedData } from '../domain/instance-context.js';
import type { Clock } from '../domain/ports/clock.js';
import type { InstanceStore } from '../domain/ports/instance-store.js';
import type { RightsLedger } from '../domain/ports/rights-ledger.js';
import type { TraceStore } from '../domain/ports/trace-store.js';
import type { ChainTrace, TraceStep } from '../domain/trace.js';

export interface ExplainedEvent {
  readonly eventId: string;
  readonly channelCode: string;
  readonly at: string;
  readonly template: string;
  readonly status: string;
  readonly reason?: string;
  /** The processor that decided the outcome, with the inputs it decided on. */
  readonly decidedBy?: {
    readonly processor: string;
    readonly status: string;
    readonly reason?: string;
    readonly notes?: Readonly<Record<string, unknown>>;
  };
  readonly lock?: { readonly fence: number };
  /** The frequency cap that decided, by its config field (`limits.clicksPerUser`, `benefit.perUserPer`). */
  readonly cap?: string;
  /** Every processor's inputs, for the full picture. */
  readonly inputs: readonly { readonly processor: string; readonly notes: Readonly<Record<string, unknown>> }[];
}

export interface Explanation {
  readonly activityId: string;
  readonly userId: string;
  /** One sentence a support agent can read out. */
  readonly summary: string;
  readonly prepared: PreparedData | null;
  readonly assets: readonly Asset[];
  readonly events: readonly ExplainedEvent[];
}

/** Answers "why did this user get, or not get, this benefit" from stored traces and state. */
export class Explainer {
  readonly #traces: TraceStore;
  readonly #ledger: RightsLedger;
  readonly #instances: InstanceStore;
  readonly #clock: Clock;

  constructor(deps: { traces: TraceStore; ledger: RightsLedger; instances: InstanceStore; clock: Clock }) {
    this.#traces = deps.traces;
    this.#ledger = deps.ledger;
    this.#instances = deps.instances;
    this.#clock = deps.clock;
  }

  async explain(activityId: string, userId: string, limit = 20): Promise<Explanation> {
    const nowMs = this.#clock.nowMs();
    const [traces, assets, prepared] = await Promise.all([
      this.#traces.byInstance(activityId, userId, limit),
      this.#ledger.listAssets(activityId, userId),
      this.#instances.getPrepared({ activityId, userId }),
    ]);
    const current = assets.map((asset) => withEffectiveStatus(asset, nowMs));
    const events = traces.map(explainTrace);
    return {
      activityId,
      userId,
      summary: summarize(userId, current, prepared, events),
      prepared: prepared ?? null,
      assets: current,
      events,
    };
  }
}

function explainTrace(trace: ChainTrace): ExplainedEvent {
  const deciding: TraceStep | undefined = trace.steps.find((step) => step.processor === trace.decidedBy) ?? trace.steps.at(-1);
  // A click cap refuses before the chain (on the trace); the period cap inside the ledger (in its step's notes).
  const noted = trace.cap === undefined && trace.status === 'rejected' ? deciding?.notes?.cap : undefined;
  const cap = trace.cap ?? (typeof noted === 'string' ? noted : undefined);
  return {
    eventId: trace.eventId,
    channelCode: trace.channelCode,
    at: trace.startedAt,
    template: trace.template,
    status: trace.status,
    ...(trace.reason === undefined ? {} : { reason: trace.reason }),
    ...(deciding
      ? {
          decidedBy: {
            processor: deciding.processor,
            status: deciding.status,
            ...(deciding.reason === undefined ? {} : { reason: deciding.reason }),
            ...(deciding.notes === undefined ? {} : { notes: deciding.notes }),
          },
        }
      : {}),
    ...(trace.lock ? { lock: trace.lock } : {}),
    ...(cap === undefined ? {} : { cap }),
    inputs: trace.steps.flatMap((step) => (step.notes ? [{ processor: step.processor, notes: step.notes }] : [])),
  };
}

function summarize(
  userId: string,
  assets: readonly Asset[],
  prepared: PreparedData | undefined,
  events: readonly ExplainedEvent[],
): string {
  const usable = assets.find((asset) => asset.status === 'active');
  if (usable)
    return `${userId} holds usable asset ${usable.id}, issued ${usable.issuedAt} by event ${usable.eventId}, valid until ${usable.expiresAt}.`;
  const last = events[0];
  const lastText = last
    ? ` The last event, ${last.eventId} on ${last.channelCode}, was ${last.status}${last.decidedBy ? ` by ${last.decidedBy.processor}` : ''}${last.reason ? `: ${last.reason}` : ''}.`
    : ' No events are recorded for this user.';
  const held =
    assets.length > 0
      ? `${userId} received ${assets.length} asset(s), none usable now (${assets.map((a) => a.status).join(', ')}).`
      : `${userId} holds no asset.`;
  const offer = prepared ? ` An offer is prepared (by ${prepared.template} at ${prepared.preparedAt}).` : ' No offer is prepared.';
  return `${held}${offer}${lastText}`;
}
