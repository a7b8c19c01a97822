/** A template is named `id@version`; a published version never changes. */
export interface TemplateRef {
  readonly id: string;
  readonly version: string;
}

const TEMPLATE_REF = /^([a-z0-9][a-z0-9._-]*)@([0-9A-Za-z][0-9A-Za-z._-]*)$/;

export function parseTemplateRef(text: string): TemplateRef | undefined {
  const match = TEMPLATE_REF.exec(text);
  if (!match) return undefined;
  return { id: match[1] as string, version: match[2] as string };
}

export function formatTemplateRef(ref: TemplateRef): string {
  return `${ref.id}@${ref.version}`;
}
