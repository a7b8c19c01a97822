import type { ConfigSubjectKind } from './change-feed.js';

/** One change of the live configuration, as recorded. */
export interface ConfigChange {
  /** Rises with every change recorded in the deployment. */
  readonly seq: number;
  /** ISO-8601. */
  readonly at: string;
  /** `x-actor` header or `admin-api`; `file:<path>` for the config file. */
  readonly actor: string;
  readonly kind: ConfigSubjectKind;
  /** Activity id, or template `id@version`. */
  readonly id: string;
  /** JSON of the subject before the change; null when it was created. */
  readonly before: unknown;
  readonly after: unknown;
}

export interface ConfigChangeEntry {
  readonly atMs: number;
  readonly actor: string;
  readonly kind: ConfigSubjectKind;
  readonly id: string;
  readonly before: unknown;
  readonly after: unknown;
}

export interface ChangeLogQuery {
  readonly limit: number;
  readonly kind?: ConfigSubjectKind;
  readonly id?: string;
}

/** What the config file last applied for one subject (see `LiveConfig`). */
export interface FileHashSwap {
  readonly kind: ConfigSubjectKind;
  readonly id: string;
  /** The hash read before; undefined when the file never applied this subject. */
  readonly expected: string | undefined;
  /** undefined forgets the subject. */
  readonly next: string | undefined;
  /** The file's path, for people reading the table. */
  readonly source: string;
}

/**
 * Every change of activities and templates: who, when, before and after. It also remembers the
 * hash of what the config file last applied for each subject, so that a restart re-applies only
 * what the file changed and never silently reverts a change made through the admin API.
 */
export interface ChangeLog {
  append(entry: ConfigChangeEntry): Promise<ConfigChange>;
  /** Newest first. */
  list(query: ChangeLogQuery): Promise<readonly ConfigChange[]>;
  appliedFileHash(kind: ConfigSubjectKind, id: string): Promise<string | undefined>;
  /**
   * Compare-and-set of the applied hash: true when the stored hash was `expected` and is now
   * `next`; false when another process changed it first (it applies the file, this one does not).
   */
  swapAppliedFileHash(swap: FileHashSwap): Promise<boolean>;
}
