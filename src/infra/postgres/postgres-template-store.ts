import type { TemplatePutResult, TemplateStore } from '../../domain/ports/template-store.js';
import type { TemplateDeclaration } from '../../domain/strategy-template.js';
import type { TemplateRef } from '../../domain/template-ref.js';
import type { PgRunner } from './pg-runner.js';

interface TemplateRow {
  /** Written by `put` from a whole `TemplateDeclaration`, and only by it. */
  declaration: TemplateDeclaration;
}

/** Declared templates as JSONB, insert-only (a trigger refuses UPDATE and DELETE). */
export class PostgresTemplateStore implements TemplateStore {
  readonly #runner: PgRunner;

  constructor(runner: PgRunner) {
    this.#runner = runner;
  }

  async put(declaration: TemplateDeclaration): Promise<TemplatePutResult> {
    const inserted = await this.#runner.query(
      'put template',
      `INSERT INTO templates (id, version, declaration) VALUES ($1, $2, $3::jsonb)
       ON CONFLICT (id, version) DO NOTHING RETURNING id`,
      [declaration.id, declaration.version, JSON.stringify(declaration)],
    );
    if (inserted.rowCount === 1) return { inserted: true };
    // Rows are never deleted, so the one that won the conflict is there to read.
    const existing = await this.get(declaration);
    if (!existing) throw new Error(`template ${declaration.id}@${declaration.version} conflicted but cannot be read`);
    return { inserted: false, existing };
  }

  async get(ref: TemplateRef): Promise<TemplateDeclaration | undefined> {
    const result = await this.#runner.query<TemplateRow>(
      'get template',
      'SELECT declaration FROM templates WHERE id = $1 AND version = $2',
      [ref.id, ref.version],
    );
    return result.rows[0]?.declaration;
  }

  async list(): Promise<readonly TemplateDeclaration[]> {
    const result = await this.#runner.query<TemplateRow>('list templates', 'SELECT declaration FROM templates ORDER BY seq');
    return result.rows.map((row) => row.declaration);
  }
}
