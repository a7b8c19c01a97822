import type { ChainTrace } from '../domain/trace.js';
import type { RecordedEvent } from './cli/replay.js';

/**
 * Live traces as recorded events for `strategy-center replay`: one line per event (not per
 * activity), oldest first, dry runs left out.
 */
export function exportEvents(traces: readonly ChainTrace[]): string {
  const seen = new Set<string>();
  const events: RecordedEvent[] = [];
  for (const trace of [...traces].reverse()) {
    if (trace.dryRun || seen.has(trace.eventId)) continue;
    seen.add(trace.eventId);
    events.push({
      channelCode: trace.channelCode,
      userId: trace.userId,
      eventId: trace.eventId,
      ...(trace.payload ? { payload: { ...trace.payload } } : {}),
      at: trace.startedAt,
    });
  }
  return events.map((event) => JSON.stringify(event)).join('\n') + (events.length > 0 ? '\n' : '');
}
