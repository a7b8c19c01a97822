import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { Outcome } from '../domain/outcome.js';
import { parseTemplateRef } from '../domain/template-ref.js';
import type { ChainTrace } from '../domain/trace.js';
import type { Bookkeeping, DispatchObserver } from '../service/dispatcher.js';

/** Prometheus metrics of one process; `GET /metrics` renders `registry`. */
export class Metrics implements DispatchObserver {
  readonly registry = new Registry();
  readonly outcomes = new Counter({
    name: 'strategy_center_outcomes_total',
    help: 'Activity outcomes by channel, activity and status',
    labelNames: ['channel', 'activity', 'status'] as const,
    registers: [this.registry],
  });
  /**
   * Labels are bounded by configuration (activities, template versions) and the six statuses:
   * never a user, event or asset id.
   */
  readonly activityOutcomes = new Counter({
    name: 'strategy_center_activity_outcomes_total',
    help: 'Activity outcomes by activity, template, template version and status',
    labelNames: ['activity', 'template', 'version', 'status'] as const,
    registers: [this.registry],
  });
  readonly chainSeconds = new Histogram({
    name: 'strategy_center_chain_duration_seconds',
    help: 'Duration of one activity chain, lock included',
    labelNames: ['channel'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly behaviors = new Counter({
    name: 'strategy_center_behaviors_total',
    help: 'Behaviors received, and rules they fired',
    labelNames: ['type', 'fired'] as const,
    registers: [this.registry],
  });
  readonly deliveries = new Counter({
    name: 'strategy_center_deliveries_total',
    help: 'Broker deliveries by verdict',
    labelNames: ['verdict'] as const,
    registers: [this.registry],
  });
  readonly httpSeconds = new Histogram({
    name: 'strategy_center_http_request_duration_seconds',
    help: 'HTTP request duration by route and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'strategy_center_' });
  }

  readonly bookkeepingFailures = new Counter({
    name: 'strategy_center_bookkeeping_failures_total',
    help: 'Lock releases and trace writes that failed after an outcome was decided',
    labelNames: ['what'] as const,
    registers: [this.registry],
  });

  bookkeepingFailed(what: Bookkeeping): void {
    this.bookkeepingFailures.inc({ what });
  }

  chainFinished(trace: ChainTrace, _fault?: unknown, outcome?: Outcome): void {
    this.outcomes.inc({ channel: trace.channelCode, activity: trace.activityId, status: trace.status });
    const ref = parseTemplateRef(trace.template);
    this.activityOutcomes.inc({
      activity: trace.activityId,
      template: ref?.id ?? trace.template,
      version: ref?.version ?? '',
      status: outcome?.status ?? trace.status,
    });
    this.chainSeconds.observe({ channel: trace.channelCode }, trace.durationMs / 1000);
  }
}
