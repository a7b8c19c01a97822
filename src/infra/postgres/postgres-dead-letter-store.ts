import { randomUUID } from 'node:crypto';
import type { DeadLetter, DeadLetterStore } from '../../domain/ports/dead-letter-store.js';
import type { PgRunner } from './pg-runner.js';
import { isoAt, isUuid } from './sql-values.js';

interface DeadLetterRow {
  id: string;
  body: Buffer;
  reason: string;
  attempts: number;
  source: string;
  created_at: Date;
  replayed_at: Date | null;
}

const COLUMNS = 'id, body, reason, attempts, source, created_at, replayed_at';
const DEFAULT_LIST_LIMIT = 100;

export class PostgresDeadLetterStore implements DeadLetterStore {
  readonly #runner: PgRunner;

  constructor(runner: PgRunner) {
    this.#runner = runner;
  }

  /**
   * The id and timestamp are chosen before the first attempt, so a retry after a lost commit
   * finds its own row (ON CONFLICT) instead of writing the message twice.
   */
  async add(entry: Omit<DeadLetter, 'id' | 'createdAt' | 'replayedAt'>): Promise<DeadLetter> {
    const letter: DeadLetter = {
      id: randomUUID(),
      body: entry.body,
      reason: entry.reason,
      attempts: entry.attempts,
      source: entry.source,
      createdAt: new Date().toISOString(),
    };
    await this.#runner.query(
      'add dead letter',
      `INSERT INTO dead_letters (id, body, reason, attempts, source, created_at)
       VALUES ($1, $2, $3, $4, $5, $6::timestamptz) ON CONFLICT (id) DO NOTHING`,
      [letter.id, Buffer.from(letter.body, 'utf8'), textSafe(letter.reason), letter.attempts, textSafe(letter.source), letter.createdAt],
    );
    return letter;
  }

  /** Newest first; replayed ones only when asked. */
  async list(options: { limit?: number; includeReplayed?: boolean } = {}): Promise<readonly DeadLetter[]> {
    const limit = Math.max(0, Math.floor(options.limit ?? DEFAULT_LIST_LIMIT));
    const result = await this.#runner.query<DeadLetterRow>(
      'list dead letters',
      `SELECT ${COLUMNS} FROM dead_letters WHERE $1 OR replayed_at IS NULL ORDER BY seq DESC LIMIT $2`,
      [options.includeReplayed === true, limit],
    );
    return result.rows.map(toDeadLetter);
  }

  async get(id: string): Promise<DeadLetter | undefined> {
    if (!isUuid(id)) return undefined;
    const result = await this.#runner.query<DeadLetterRow>('get dead letter', `SELECT ${COLUMNS} FROM dead_letters WHERE id = $1`, [id]);
    const row = result.rows[0];
    return row && toDeadLetter(row);
  }

  async claimReplay(id: string, atMs: number): Promise<DeadLetter | undefined> {
    if (!isUuid(id)) return undefined;
    const result = await this.#runner.query<DeadLetterRow>(
      'claim dead letter replay',
      `UPDATE dead_letters SET replayed_at = $2::timestamptz WHERE id = $1 AND replayed_at IS NULL RETURNING ${COLUMNS}`,
      [id, isoAt(atMs)],
    );
    const row = result.rows[0];
    return row && toDeadLetter(row);
  }

  async releaseReplay(id: string): Promise<void> {
    if (!isUuid(id)) return;
    await this.#runner.query('release dead letter replay', 'UPDATE dead_letters SET replayed_at = NULL WHERE id = $1', [id]);
  }
}

function toDeadLetter(row: DeadLetterRow): DeadLetter {
  const letter: DeadLetter = {
    id: row.id,
    body: row.body.toString('utf8'),
    reason: row.reason,
    attempts: row.attempts,
    source: row.source,
    createdAt: row.created_at.toISOString(),
  };
  return row.replayed_at === null ? letter : { ...letter, replayedAt: row.replayed_at.toISOString() };
}

/**
 * A text column refuses NUL, and a reason may quote the bad message it explains; a diagnostic
 * with U+FFFD in place of NUL beats losing the dead letter. The body itself is stored as bytes.
 */
function textSafe(text: string): string {
  return text.replaceAll('\u0000', '\uFFFD');
}
