/** One handled event as the live view lists it; its chains are in the trace store. */
export interface RecentEvent {
  readonly eventId: string;
  readonly channelCode: string;
  readonly userId: string;
  /** The live activities the event ran, in the order of `outcomes`. */
  readonly activityIds: readonly string[];
  /** The event's most telling outcome (see `eventStatus`); `skipped` when no activity was live. */
  readonly status: string;
  readonly outcomes: readonly { readonly activityId: string; readonly status: string }[];
  readonly receivedAt: string;
  readonly durationMs: number;
}

export interface RecentEventFilter {
  readonly channelCode?: string;
  readonly status?: string;
  readonly limit: number;
}

/** The most recent events of this deployment, capped: newest first, oldest dropped. */
export interface RecentEventLog {
  append(event: RecentEvent): Promise<void>;
  /** Newest first; filtered over the retained events only. */
  recent(filter: RecentEventFilter): Promise<readonly RecentEvent[]>;
}

/** How many events are kept for the live view, whichever backend keeps them. */
export const DEFAULT_RECENT_EVENTS = 1_000;

export function matches(event: RecentEvent, filter: RecentEventFilter): boolean {
  return (
    (filter.channelCode === undefined || event.channelCode === filter.channelCode) &&
    (filter.status === undefined || event.status === filter.status)
  );
}
