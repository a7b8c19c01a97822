/** The kinds of live configuration a process keeps in memory. */
export type ConfigSubjectKind = 'activity' | 'template' | 'client';

/**
 * "The configuration changed": one activity (by id) or one template (by `id@version`). Receivers
 * reload from the stores, so a notice lost or seen twice costs one reload, never a wrong state.
 */
export interface ConfigChangeNotice {
  readonly kind: ConfigSubjectKind;
  /** Activity id, template `id@version`, or client id. */
  readonly id: string;
  /** The process that made the change. */
  readonly origin: string;
  readonly actor: string;
  /**
   * The new value, carried only when the stores are not shared between processes (embedded
   * records): then the notice is the only way the change reaches the others.
   */
  readonly body?: unknown;
}

export interface ChangeFeedListener {
  changed(notice: ConfigChangeNotice): void;
  /** Notices may have been missed (the feed's connection was lost and is back): reload everything. */
  resync(reason: string): void;
}

export interface ChangeFeedSubscription {
  close(): Promise<void>;
}

/** Publish/subscribe between the processes of one deployment; at-most-once, in no promised order. */
export interface ChangeFeed {
  readonly kind: string;
  publish(notice: ConfigChangeNotice): Promise<void>;
  /** Resolves once the listener is subscribed: a notice published after that reaches it. */
  subscribe(listener: ChangeFeedListener): Promise<ChangeFeedSubscription>;
}

/** A notice as it travels (JSON text); undefined for anything that is not one. */
export function parseConfigChangeNotice(text: string): ConfigChangeNotice | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const notice = value as Partial<ConfigChangeNotice>;
  if (notice.kind !== 'activity' && notice.kind !== 'template' && notice.kind !== 'client') return undefined;
  if (typeof notice.id !== 'string' || typeof notice.origin !== 'string' || typeof notice.actor !== 'string') return undefined;
  return notice as ConfigChangeNotice;
}
