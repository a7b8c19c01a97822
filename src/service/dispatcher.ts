import { randomUUID } from 'node:crypto';
import { noChainForChannel } from '../config/declaration-checks.js';
import { type Activity, isLive } from '../domain/activity.js';
import { formatDurationMs } from '../domain/duration.js';
import { eventStatus } from '../domain/event-status.js';
import { type ExecutionParams, InstanceContext, type PreparedData } from '../domain/instance-context.js';
import type { Outcome, OutcomeStatus } from '../domain/outcome.js';
import type { ActivityRepository } from '../domain/ports/activity-repository.js';
import type { ClickCounter } from '../domain/ports/click-counter.js';
import type { Clock } from '../domain/ports/clock.js';
import type { InstanceStore } from '../domain/ports/instance-store.js';
import type { RecentEventLog } from '../domain/ports/recent-events.js';
import type { TraceStore } from '../domain/ports/trace-store.js';
import type { Processor } from '../domain/processor.js';
import { REASON_CODES } from '../domain/reason-codes.js';
import { templateForInstance } from '../domain/rollout.js';
import { formatTemplateRef } from '../domain/template-ref.js';
import type { ChainTrace } from '../domain/trace.js';
import { ChainFault, type ChainRun, type EventStart, elapsedMs, eventStartNow, runChain } from './chain-runner.js';
import type { HeldLock, InstanceLocks } from './instance-lock.js';
import type { ProcessorRegistry } from './processor-registry.js';
import type { TemplateRegistry } from './template-registry.js';
import { currentTraceId, inSpan, tracingEnabled } from './tracing.js';

/** What the dispatcher writes on a chain's span. */
type ChainSpan = { setAttributes(attributes: Record<string, string>): unknown };

/** An event on a channel, from the HTTP API (resource position) or the broker (behavior). */
export interface ChannelEvent {
  readonly channelCode: string;
  readonly userId: string;
  readonly eventId?: string;
  readonly payload?: Readonly<Record<string, unknown>>;
  /** Lock every instance this event touches, whatever the templates say. */
  readonly lock?: boolean;
  /** A user's click on a resource position (the HTTP API): counted against `limits.clicksPerUser`. */
  readonly click?: boolean;
}

export interface DispatchOptions {
  /** Evaluate windows, TTLs and expiries as of this time instead of now. */
  readonly nowMs?: number;
}

export interface DispatchResult {
  readonly eventId: string;
  readonly channelCode: string;
  readonly outcomes: readonly Outcome[];
  /** One trace per activity, in the order of `outcomes`. */
  readonly traces: readonly ChainTrace[];
}

export type Bookkeeping = 'lock-release' | 'trace-append' | 'recent-event';

/** Told of every finished chain; metrics and logs hang off it, the dispatcher knows neither. */
export interface DispatchObserver {
  chainFinished(trace: ChainTrace, fault: unknown, outcome: Outcome): void;
  /** Releasing the lock or keeping the trace failed after the outcome was decided. */
  bookkeepingFailed?(what: Bookkeeping, error: unknown): void;
}

export interface DispatcherDeps {
  readonly activities: ActivityRepository;
  readonly templates: TemplateRegistry;
  readonly processors: ProcessorRegistry;
  readonly locks: InstanceLocks;
  /** Read to find the version an instance is pinned to during a rollout. */
  readonly instances: InstanceStore;
  readonly traces: TraceStore;
  /** Told of each handled event once its traces are kept, for the live view. */
  readonly recentEvents?: RecentEventLog;
  readonly clock: Clock;
  /** Counts clicks against activities' `limits.clicksPerUser`; without it, no click cap is checked. */
  readonly clicks?: ClickCounter;
  readonly observer?: DispatchObserver;
  /**
   * A dry-run dispatcher takes no locks and stores no traces; its processors are built on
   * simulating ports, so nothing at all is written.
   */
  readonly dryRun?: boolean;
}

/**
 * Channel code → the live activities bound to it → one instance each → the template version for
 * that user → lock if asked → the template's chain. Activities run side by side; one activity's
 * failure never stops the others.
 */
export class Dispatcher {
  readonly #deps: DispatcherDeps;

  constructor(deps: DispatcherDeps) {
    this.#deps = deps;
  }

  get dryRun(): boolean {
    return this.#deps.dryRun ?? false;
  }

  async dispatch(event: ChannelEvent, options: DispatchOptions = {}): Promise<DispatchResult> {
    const eventStart = eventStartNow();
    const nowMs = options.nowMs ?? this.#deps.clock.nowMs();
    const params: ExecutionParams = {
      userId: event.userId,
      channelCode: event.channelCode,
      eventId: event.eventId ?? randomUUID(),
      lock: event.lock ?? false,
      payload: event.payload ?? {},
      nowMs,
    };
    const bound = await this.#deps.activities.listByChannel(event.channelCode);
    const live = bound.filter((activity) => isLive(activity, nowMs));
    const click = event.click ?? false;
    const runs = await Promise.all(
      live.map((activity) =>
        tracingEnabled()
          ? inSpan(`chain ${activity.id}`, (span) => this.#runInstance(activity, params, eventStart, click, span), {
              attributes: { 'activity.id': activity.id, 'channel.code': params.channelCode, 'event.id': params.eventId },
            })
          : this.#runInstance(activity, params, eventStart, click, undefined),
      ),
    );
    this.#listRecent(params, eventStart, runs);
    return {
      eventId: params.eventId,
      channelCode: params.channelCode,
      outcomes: runs.map((run) => run.outcome),
      traces: runs.map((run) => run.trace),
    };
  }

  /** Not awaited: the live view must not add a round trip to the answer; a failure is reported. */
  #listRecent(params: ExecutionParams, eventStart: EventStart, runs: readonly { outcome: Outcome }[]): void {
    const { recentEvents, observer } = this.#deps;
    if (this.dryRun || !recentEvents) return;
    const outcomes = runs.map(({ outcome }) => ({ activityId: outcome.activityId, status: outcome.status }));
    recentEvents
      .append({
        eventId: params.eventId,
        channelCode: params.channelCode,
        userId: params.userId,
        activityIds: outcomes.map((outcome) => outcome.activityId),
        status: eventStatus(outcomes.map((outcome) => outcome.status)),
        outcomes,
        receivedAt: new Date(eventStart.wallMs).toISOString(),
        durationMs: elapsedMs(eventStart.perfMs),
      })
      .catch((error: unknown) => observer?.bookkeepingFailed?.('recent-event', error));
  }

  async #runInstance(
    activity: Activity,
    params: ExecutionParams,
    eventStart: EventStart,
    click: boolean,
    span: ChainSpan | undefined,
  ): Promise<{ outcome: Outcome; trace: ChainTrace }> {
    const started = performance.now();
    const offsetMs = elapsedMs(eventStart.perfMs, started);
    const startedAt = new Date(eventStart.wallMs + offsetMs).toISOString();
    let templateName = formatTemplateRef(activity.template);
    let lock: HeldLock | undefined;
    let ctx: InstanceContext | undefined;
    let run: ChainRun = {};
    let fault: unknown;
    let status: OutcomeStatus;
    let reason: string | undefined;
    let cap: string | undefined;
    try {
      // Only a rollout offers more than one version, so only then is the instance's pin read.
      const pinned = activity.rollout
        ? await this.#deps.instances.getPrepared({ activityId: activity.id, userId: params.userId })
        : undefined;
      const ref = templateForInstance(activity, params.userId, pinned?.template);
      templateName = formatTemplateRef(ref);
      const template = this.#deps.templates.get(ref);
      if (!template) throw new Error(`template '${templateName}' is not registered`);
      const chainNames = template.chainFor(params.channelCode);
      const chain = chainNames.map((name) => this.#deps.processors.get(name));
      const missing = chainNames.filter((_, i) => chain[i] === undefined);
      if (missing.length > 0) throw new Error(`processor(s) not registered: ${missing.join(', ')}`);
      // A channel without a chain is skipped before the cap, so it spends none of the user's clicks.
      const overClickCap = click && chainNames.length > 0 ? await this.#overClickCap(activity, params) : undefined;
      if (chainNames.length === 0) {
        status = 'skipped';
        reason = noChainForChannel(templateName, params.channelCode);
      } else if (overClickCap !== undefined) {
        status = 'rejected';
        reason = overClickCap;
        cap = CLICKS_PER_USER_CAP;
      } else {
        if (!this.dryRun && (params.lock || (activity.lock ?? template.lock))) {
          lock = await this.#deps.locks.acquire({ activityId: activity.id, userId: params.userId });
          if (!lock) throw new Error('instance lock stayed busy; try again');
        }
        ctx = new InstanceContext({
          activity,
          params,
          template: templateName,
          ext: template.createExtensions(activity, params),
          ...(lock ? { lease: lock } : {}),
        });
        if (pinned) ctx.prepared = pinned satisfies PreparedData;
        run = await runChain(ctx, chain as Processor[], eventStart);
        status = ctx.status ?? 'skipped';
        reason = ctx.status ? ctx.reason : 'no processor produced an outcome';
      }
    } catch (error) {
      fault = error instanceof ChainFault ? error.cause : error;
      if (error instanceof ChainFault) run = { decidedBy: error.processor };
      status = 'failed';
      reason = ctx?.reason ?? (error instanceof Error ? error.message : String(error));
    }
    const outcome: Outcome = {
      activityId: activity.id,
      template: templateName,
      status,
      ...(reason === undefined ? {} : { reason }),
      ...(ctx?.asset ? { asset: ctx.asset } : {}),
      ...(ctx?.output ? { output: ctx.output } : {}),
    };
    span?.setAttributes({ 'chain.template': templateName, 'chain.status': status });
    const traceId = currentTraceId();
    const trace: ChainTrace = {
      eventId: params.eventId,
      channelCode: params.channelCode,
      activityId: activity.id,
      userId: params.userId,
      template: templateName,
      startedAt,
      offsetMs,
      durationMs: elapsedMs(started),
      status,
      ...(reason === undefined ? {} : { reason }),
      ...(status !== 'failed' && ctx?.reasonCode !== undefined ? { reasonCode: ctx.reasonCode } : {}),
      ...(cap === CLICKS_PER_USER_CAP ? { reasonCode: REASON_CODES.clickCap } : {}),
      ...(run.decidedBy ? { decidedBy: run.decidedBy } : {}),
      ...(cap === undefined ? {} : { cap, decidedBy: cap }),
      ...(lock ? { lock: { fence: lock.fence } } : {}),
      ...(this.dryRun ? { dryRun: true } : {}),
      ...(Object.keys(params.payload).length > 0 ? { payload: params.payload } : {}),
      steps: ctx?.steps ?? [],
      ...(traceId === undefined ? {} : { traceId }),
    };
    // Releasing the lock and keeping the trace are independent: one round trip instead of two.
    // Neither may change the outcome, which is decided; their failures are reported, not thrown.
    const observer = this.#deps.observer;
    await Promise.all([
      lock?.release().catch((error: unknown) => observer?.bookkeepingFailed?.('lock-release', error)),
      this.dryRun
        ? undefined
        : this.#deps.traces.append(trace).catch((error: unknown) => observer?.bookkeepingFailed?.('trace-append', error)),
    ]);
    try {
      observer?.chainFinished(trace, fault, outcome);
    } catch {
      // An observer (metrics, logs) must never turn a finished chain into a failure.
    }
    return { outcome, trace };
  }

  /**
   * The refusal's reason when this click is over the activity's `limits.clicksPerUser`, checked
   * before any lock or chain work; a dry run only looks and counts nothing.
   */
  async #overClickCap(activity: Activity, params: ExecutionParams): Promise<string | undefined> {
    const limit = activity.limits?.clicksPerUser;
    const counter = this.#deps.clicks;
    if (!limit || !counter) return undefined;
    const click = {
      activityId: activity.id,
      userId: params.userId,
      eventId: params.eventId,
      nowMs: params.nowMs,
      windowMs: limit.withinMs,
      limit: limit.count,
    };
    const verdict = this.dryRun ? await counter.peek(click) : await counter.admit(click);
    if (verdict.admitted) return undefined;
    return `click cap ${CLICKS_PER_USER_CAP} reached: it allows ${limit.count} clicks of one user within ${formatDurationMs(limit.withinMs)}`;
  }
}

/** The field that names the click cap, as explain and reasons name it. */
export const CLICKS_PER_USER_CAP = 'limits.clicksPerUser';
